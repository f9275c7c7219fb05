#pragma once
// TEST STAND-IN for a bench board's serial port exported by ser2net: a pty
// pair (the test plays the board on the master side) and the real ser2net
// (Debian's /usr/sbin/ser2net) serving the slave side on 127.0.0.1, at a
// port the kernel picks. ser2net runs in the foreground from a configuration
// in a temporary folder; its port is read from /proc (the one listening TCP
// socket among its descriptors). The destructor kills and reaps it.

#include <termios.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "child.h"
#include "temp_dir.h"

namespace shakedown::links::testing {

class ExportedPty {
 public:
  // `accepter`: ser2net's accepter before its address ("telnet(rfc2217),tcp"
  // or "tcp"); `line`: the serialdev settings ser2net gives the port when a
  // client connects ("115200n81", "9600e72,rtscts"). Throws
  // std::runtime_error, with ser2net's stderr, if it is not listening within
  // `timeout`.
  ExportedPty(const std::string& accepter, const std::string& line, std::chrono::milliseconds timeout);
  ~ExportedPty();
  ExportedPty(const ExportedPty&) = delete;
  ExportedPty& operator=(const ExportedPty&) = delete;

  uint16_t port() const { return port_; }

  // The board's side of the line: writes all of `bytes`, or false if that
  // takes longer than `timeout`; reads `count` bytes, or fewer if they do not
  // all come within `timeout`.
  bool board_write(std::span<const uint8_t> bytes, std::chrono::milliseconds timeout);
  std::vector<uint8_t> board_read(size_t count, std::chrono::milliseconds timeout);

  // The line's settings now (tcgetattr on the slave side, which ser2net set).
  termios line_settings() const;

  // Kills ser2net (SIGKILL) and reaps it, as when its host goes away.
  void kill_ser2net();
  // What ser2net wrote to stderr so far, for failure messages.
  std::string ser2net_stderr() { return ser2net_->stderr_text(); }

 private:
  int master_ = -1;
  int slave_ = -1;  // held open so the master never sees the line hang up
  process::TempDir dir_;
  std::unique_ptr<process::Child> ser2net_;
  uint16_t port_ = 0;
};

}  // namespace shakedown::links::testing

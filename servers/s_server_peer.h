#pragma once
// SServerPeer: the stock `openssl s_server` (/usr/bin/openssl) started from
// an EndpointConfig, as an independent peer: a scenario run against it
// instead of TestServer confirms a surprising result with a tool nobody here
// wrote.
//
// It listens on 127.0.0.1 on a port the kernel picks and serves one
// connection at a time: it completes the handshake, never sends application
// data, and prints what it read. Its stdin is a pipe nobody writes to; at
// EOF on stdin s_server would end the connection and exit. A client that
// goes silent holds it until stop(): s_server has no idle timeout. It is
// killed with shakedown however shakedown ends, SIGKILL included
// (process::spawn), so it never outlives the run with its key file.

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "test_server.h"

namespace shakedown::servers {

class SServerPeer {
 public:
  // Empty if s_server can play `config`; else a sentence naming the first
  // field it cannot (a misbehaviour or SNI routing only TestServer has).
  // capture_dir and idle_timeout describe our server's bookkeeping and are
  // ignored.
  static std::string unsupported(const EndpointConfig& config);

  // Writes the leaf, its key and the chain to PEM files in `work_dir`
  // (created if missing), starts s_server and waits up to 5 s for it to
  // report its port. With max_connections > 0 it exits after that many
  // connections (-naccept). Throws std::runtime_error naming the field for
  // a config it cannot play or that is invalid, or with s_server's output if
  // it does not start listening.
  SServerPeer(const EndpointConfig& config, const std::filesystem::path& work_dir, int max_connections = 0);
  ~SServerPeer();
  SServerPeer(const SServerPeer&) = delete;
  SServerPeer& operator=(const SServerPeer&) = delete;

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  // The command it runs, for a person to run by hand.
  const std::vector<std::string>& argv() const { return argv_; }
  std::string command_line() const;

  // Whether s_server is still running (false once it exited, e.g. after
  // max_connections, or after stop()).
  bool running();
  // Waits up to `timeout` for it to exit by itself (after max_connections)
  // and reaps it; then log() is complete. False if it is still running.
  bool wait_for_exit(std::chrono::milliseconds timeout);
  // Kills s_server and reaps it; joins the thread reading its output.
  // Idempotent; the destructor calls it.
  void stop();

  // What s_server printed (stdout and stderr interleaved), up to 1 MiB;
  // beyond that a note counts what was dropped.
  std::string log() const;
  // Waits up to `timeout` for `text` to appear in the log; false if it did
  // not (or s_server closed its output first).
  bool wait_for_log(std::string_view text, std::chrono::milliseconds timeout) const;

 private:
  void spawn(const std::vector<std::string>& argv);
  void read_output();  // the reader thread's body
  uint16_t wait_for_port(std::chrono::milliseconds timeout);

  std::vector<std::string> argv_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  int stdin_fd_ = -1;   // our end of its stdin: held open, never written
  int output_fd_ = -1;  // our end of its stdout and stderr
  uint16_t port_ = 0;

  std::thread reader_;
  mutable std::mutex mutex_;
  mutable std::condition_variable output_changed_;
  std::string output_;
  size_t dropped_ = 0;
  bool output_closed_ = false;
  bool stopping_ = false;
};

}  // namespace shakedown::servers

#pragma once
// A Link over a serial port (a board's ST-Link virtual COM port), through
// libserialport: 115200 baud 8N1, no flow control, raw bytes. A port that
// vanishes (USB re-enumeration, a pulled cable) reads as closed, and every
// write after that fails: the owner reopens the board by its serial number.

#include <memory>
#include <string>

#include "link.h"
#include "shakedown/errors/result.h"

struct sp_port;

namespace shakedown::links {

inline constexpr int kBoardBaudRate = 115200;

class SerialLink final : public Link {
 public:
  // Opens `port_name` ("/dev/ttyACM0") for reading and writing, discarding
  // what the OS buffered before; an infrastructure error naming the port
  // and the failed step if it could not (never a null link).
  static Result<std::unique_ptr<SerialLink>> open(const std::string& port_name, int baud);
  ~SerialLink() override;
  SerialLink(const SerialLink&) = delete;
  SerialLink& operator=(const SerialLink&) = delete;

  LinkRead read(std::span<uint8_t> out, std::chrono::milliseconds timeout) override;
  bool write(std::span<const uint8_t> data, std::chrono::milliseconds timeout) override;
  std::string describe() const override { return name_; }

 private:
  SerialLink(sp_port* port, std::string name) : port_(port), name_(std::move(name)) {}
  sp_port* port_ = nullptr;
  std::string name_;
  bool gone_ = false;  // the port failed: reads say closed from now on
};

}  // namespace shakedown::links

#pragma once
// Link: the host's end of the byte stream to a device's agent. Backends: a
// TCP socket on loopback (the simulator, a QEMU chardev), a serial port (a
// board), a serial port ser2net exports (a board on another host:
// network_serial.h). Every call is bounded by its timeout.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace shakedown::links {

struct LinkRead {
  enum class Status { kData, kTimedOut, kClosed } status = Status::kTimedOut;
  size_t bytes = 0;
};

// What is left of the time until `deadline`, never negative: each step of
// an exchange with a deadline of its own gets this as its timeout.
inline std::chrono::milliseconds time_left(std::chrono::steady_clock::time_point deadline) {
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
}

class Link {
 public:
  virtual ~Link() = default;
  // Reads what has arrived, up to out.size(), waiting at most `timeout`.
  virtual LinkRead read(std::span<uint8_t> out, std::chrono::milliseconds timeout) = 0;
  // Writes all of `data` within `timeout`; false if the device went away or
  // the line stayed blocked.
  virtual bool write(std::span<const uint8_t> data, std::chrono::milliseconds timeout) = 0;
  // "tcp 127.0.0.1:41234", "/dev/ttyACM0": for messages.
  virtual std::string describe() const = 0;
};

}  // namespace shakedown::links

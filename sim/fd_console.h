#pragma once
// Console over file descriptors: a connected socket (both ways) or stdin and
// stdout. The simulator's link to the host.

#include "shakedown/agent/console.h"

namespace shakedown::sim {

class FdConsole final : public agent::Console {
 public:
  FdConsole(int read_fd, int write_fd) : read_fd_(read_fd), write_fd_(write_fd) {}
  core::IoResult read(std::span<uint8_t> out, uint32_t timeout_ms) override;
  bool write(std::span<const uint8_t> data) override;

 private:
  int read_fd_;
  int write_fd_;
};

}  // namespace shakedown::sim

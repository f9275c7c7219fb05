#pragma once
// Log sink for the simulator: one line per write to a stdio stream (stderr by
// default), so the host keeps the device log apart from the report on stdout.

#include <cstdio>

#include "shakedown/core/log_sink.h"

namespace shakedown::sim {

class StreamLogSink final : public core::LogSink {
 public:
  explicit StreamLogSink(std::FILE* out = stderr) : out_(out) {}
  void write(core::LogSource source, int level, std::string_view line) override;

 private:
  std::FILE* out_;
};

}  // namespace shakedown::sim

#include "stream_log_sink.h"

namespace shakedown::sim {

void StreamLogSink::write(core::LogSource source, int level, std::string_view line) {
  // Mbed TLS lines keep the shape of a field log; core events are marked.
  if (source == core::LogSource::kMbedtls) {
    std::fprintf(out_, "|%d| %.*s\n", level, static_cast<int>(line.size()), line.data());
  } else {
    std::fprintf(out_, "shakedown: %.*s\n", static_cast<int>(line.size()), line.data());
  }
}

}  // namespace shakedown::sim

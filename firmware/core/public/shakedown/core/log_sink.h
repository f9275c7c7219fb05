#pragma once
// Log seam: where Mbed TLS's debug lines and the core's own events go.
// Backends: stderr (sim), log frames of the device protocol (agent).

#include <cstdint>
#include <string_view>

namespace shakedown::core {

enum class LogSource : uint8_t {
  kMbedtls,  // a line from Mbed TLS's debug output, "file:line: text"
  kCore,     // an event of the client core
};

class LogSink {
 public:
  virtual ~LogSink() = default;

  // One complete line, without its newline. Called from the handshake's
  // thread; must not call back into the client. Lines longer than the core's
  // line buffer arrive truncated, ending in "...".
  virtual void write(LogSource source, int level, std::string_view line) = 0;
};

}  // namespace shakedown::core

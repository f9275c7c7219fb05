// libFuzzer target: any bytes as a device traffic transcript. A
// TranscriptError is the reader's answer to a bad file; any other exception
// escaping, a crash, a leak or undefined behaviour is a finding. Chunks that
// parse must hold what a replay relies on: at least one byte, a time that is
// a number and not negative, and the line they came from.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "traffic_transcript.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shakedown::links;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    for (const TrafficChunk& chunk : parse_transcript(text, "fuzz.traffic")) {
      if (chunk.bytes.empty() || !std::isfinite(chunk.seconds) || chunk.seconds < 0 || chunk.line < 2) {
        __builtin_trap();
      }
    }
  } catch (const TranscriptError&) {
  }
  return 0;
}

// libFuzzer target: any bytes through the log reader and the facts builder,
// fed in two chunks split where the input says (lines cut across chunks).
// Must never crash, read out of bounds or grow without bound.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "log_facts.h"
#include "log_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t split = data[0] % size;
  shakedown::explain::LogFactsBuilder builder;
  shakedown::explain::LogReader reader([&](const shakedown::explain::LogLine& line) { builder.add(line); });
  const std::string_view all(reinterpret_cast<const char*>(data) + 1, size - 1);
  reader.feed(all.substr(0, split));
  reader.feed(all.substr(split < all.size() ? split : all.size()));
  reader.finish();
  builder.finish();
  return 0;
}

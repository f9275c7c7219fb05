// libFuzzer target for the device protocol codec (preset `fuzz`, ci/fuzz).
// The input is a byte stream as the host would receive it: every frame the
// decoder delivers is walked as TLV. Then the input's head is encoded as a
// frame and must decode to exactly itself.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "shakedown/protocol/frame.h"
#include "shakedown/protocol/tlv.h"

namespace {

using namespace shakedown::protocol;

volatile uint64_t g_sink;  // keeps the reads from being optimized away

void walk_tlv(std::span<const uint8_t> payload) {
  TlvReader reader(payload);
  std::array<uint16_t, 8> list{};
  while (reader.next()) {
    uint64_t v = 0;
    reader.get_u64(v);
    g_sink = v + reader.tag() + reader.get_str().size() + reader.get_u16_list(list) + list[0];
  }
  g_sink = reader.ok();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);

  FrameDecoder stream;
  for (uint8_t byte : input) {
    if (stream.feed(byte)) walk_tlv(stream.frame().payload);
  }

  const auto head = input.first(std::min(size, kMaxPayload));
  const auto type = static_cast<uint8_t>(size);
  const auto seq = static_cast<uint16_t>(size * 31);
  static std::array<uint8_t, kMaxEncodedFrame> wire;
  const size_t wire_len = encode_frame(type, seq, head, wire);
  if (wire_len == 0 || wire_len > max_encoded_size(head.size())) __builtin_trap();

  FrameDecoder decoder;
  size_t delivered = 0;
  for (uint8_t byte : std::span(wire).first(wire_len)) {
    if (!decoder.feed(byte)) continue;
    const Frame& f = decoder.frame();
    if (f.type != type || f.seq != seq || !std::equal(f.payload.begin(), f.payload.end(), head.begin(), head.end())) {
      __builtin_trap();
    }
    walk_tlv(f.payload);
    ++delivered;
  }
  if (delivered != 1) __builtin_trap();
  return 0;
}

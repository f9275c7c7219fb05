#include "crc32.h"

#include <array>
#include <cstddef>

namespace shakedown::protocol {
namespace {

// Four bits at a time: a 64-byte table instead of 1 KB, which matters more
// on a microcontroller than the speed does for ~1 KB frames.
constexpr std::array<uint32_t, 16> make_nibble_table() {
  std::array<uint32_t, 16> table{};
  for (uint32_t i = 0; i < table.size(); ++i) {
    uint32_t c = i;
    for (int bit = 0; bit < 4; ++bit) c = (c & 1) ? (c >> 1) ^ 0xedb88320u : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr auto kNibbleTable = make_nibble_table();

}  // namespace

uint32_t crc32(std::span<const uint8_t> data, uint32_t crc) {
  crc = ~crc;
  for (uint8_t byte : data) {
    crc ^= byte;
    crc = (crc >> 4) ^ kNibbleTable[crc & 0xf];
    crc = (crc >> 4) ^ kNibbleTable[crc & 0xf];
  }
  return ~crc;
}

}  // namespace shakedown::protocol

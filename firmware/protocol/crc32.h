#pragma once
// CRC-32 as zlib's crc32(): IEEE 802.3 polynomial, reflected, initial and
// final XOR 0xffffffff. Chain calls by passing the previous result as crc.

#include <cstdint>
#include <span>

namespace shakedown::protocol {

uint32_t crc32(std::span<const uint8_t> data, uint32_t crc = 0);

}  // namespace shakedown::protocol

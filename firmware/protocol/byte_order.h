#pragma once
// Little-endian loads and stores, byte by byte: no alignment or host
// byte-order assumptions.

#include <cstddef>
#include <cstdint>

namespace shakedown::protocol {

inline void store_le(uint8_t* out, uint64_t v, size_t width) {
  for (size_t i = 0; i < width; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
}

inline uint64_t load_le(const uint8_t* in, size_t width) {
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v |= static_cast<uint64_t>(in[i]) << (8 * i);
  return v;
}

inline uint16_t load_le16(const uint8_t* in) {
  return static_cast<uint16_t>(load_le(in, 2));
}
inline uint32_t load_le32(const uint8_t* in) {
  return static_cast<uint32_t>(load_le(in, 4));
}

}  // namespace shakedown::protocol

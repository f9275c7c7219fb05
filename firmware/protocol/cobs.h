#pragma once
// Consistent Overhead Byte Stuffing (Cheshire and Baker, 1999), encoding side:
// rewrites bytes so the output holds no 0x00, which is then free to delimit
// frames. Each block is a code byte n (1..255) followed by n-1 non-zero data
// bytes; a block with n < 255 stands for its data followed by a zero, and the
// zero after the last block is implied. The decoder is in frame.cc, where it
// runs byte by byte as bytes arrive.

#include <cstddef>
#include <cstdint>
#include <span>

namespace shakedown::protocol {

// Streams COBS into a fixed buffer; bounds-checked, writes nothing past out.
// n input bytes take at most n + n / 254 + 1 output bytes.
class CobsEncoder {
 public:
  explicit CobsEncoder(std::span<uint8_t> out) : out_(out) {}

  void put(uint8_t byte);
  void put(std::span<const uint8_t> bytes);
  // Closes the last block. Returns the bytes written, or 0 if out was too small.
  size_t finish();

 private:
  void close_block();
  void write(size_t at, uint8_t byte);

  std::span<uint8_t> out_;
  size_t code_at_ = 0;  // where the current block's code byte goes
  size_t next_ = 1;     // where the next data byte goes
  uint8_t code_ = 1;    // 1 + data bytes in the current block
  bool overflow_ = false;
};

}  // namespace shakedown::protocol

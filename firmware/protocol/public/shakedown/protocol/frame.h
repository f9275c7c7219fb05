#pragma once
// Framing of the device protocol: how one message crosses a byte stream
// (UART, TCP, pipe) between the host and the on-target agent.
//
// A frame is a header (type u8, seq u16 LE, length u16 LE), the payload and a
// CRC-32 (IEEE 802.3, reflected, as zlib's crc32, LE) over header+payload,
// COBS-encoded so it holds no 0x00, between two 0x00 delimiters. The leading
// delimiter ends whatever stray bytes (a boot banner, a printf) came before,
// so they cost at most one "malformed" count, never the frame.
//
// Freestanding: no heap, no exceptions, no OS. See docs/protocol.md.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace shakedown::protocol {

inline constexpr uint16_t kProtocolVersion = 1;
inline constexpr size_t kMaxPayload = 1024;     // bytes of payload per frame
inline constexpr size_t kFrameHeaderSize = 5;   // type u8, seq u16 LE, length u16 LE
inline constexpr size_t kFrameTrailerSize = 4;  // CRC-32 LE over header+payload
// Header, payload and CRC of the largest frame, before COBS.
inline constexpr size_t kMaxRawFrame = kFrameHeaderSize + kMaxPayload + kFrameTrailerSize;

// Bytes on the wire for a payload of n bytes: leading 0x00, COBS of
// (header+payload+crc), trailing 0x00. COBS adds one code byte, plus one per
// run of 254 non-zero bytes.
constexpr size_t max_encoded_size(size_t payload_len) {
  const size_t raw = kFrameHeaderSize + payload_len + kFrameTrailerSize;
  return 1 + (raw + raw / 254 + 1) + 1;
}
inline constexpr size_t kMaxEncodedFrame = max_encoded_size(kMaxPayload);

// Encodes one frame into out. Returns the number of bytes written, or 0 when
// payload.size() > kMaxPayload or out is too small for this frame (then out
// holds garbage). out.size() >= max_encoded_size(payload.size()) always fits.
size_t encode_frame(uint8_t type, uint16_t seq, std::span<const uint8_t> payload, std::span<uint8_t> out);

struct Frame {
  uint8_t type = 0;
  uint16_t seq = 0;
  std::span<const uint8_t> payload;
};

struct DecoderStats {
  uint32_t frames = 0;     // valid frames delivered
  uint32_t bad_crc = 0;    // well-formed COBS, length right, CRC wrong
  uint32_t malformed = 0;  // COBS invalid, shorter than header+trailer, or length field != actual
  uint32_t oversized = 0;  // more bytes than kMaxEncodedFrame before a delimiter (dropped up to the next 0x00)
};

// Streaming decoder with a fixed buffer. Never allocates, never blocks, never
// fails hard: bad input is counted and dropped, and decoding resumes at the
// next 0x00 delimiter. An empty frame (two delimiters in a row) is ignored
// silently. COBS is undone byte by byte, so feed() costs O(1) except on the
// closing delimiter, which checks the CRC. Safe to feed from a UART interrupt
// if frame() is consumed before the next feed().
class FrameDecoder {
 public:
  // Feeds one byte; returns true when it completes a valid frame, then
  // available through frame() until the next feed().
  bool feed(uint8_t byte);
  // The frame the last feed() completed; empty once feed() is called again.
  const Frame& frame() const { return frame_; }
  const DecoderStats& stats() const { return stats_; }
  // Drops any partial frame and starts over as after a delimiter; keeps stats.
  void reset();

 private:
  bool end_of_frame();
  void append(uint8_t byte);

  std::array<uint8_t, kMaxRawFrame> raw_{};  // decoded header+payload+crc
  size_t raw_len_ = 0;
  size_t encoded_len_ = 0;  // bytes since the last delimiter
  uint8_t code_ = 0;        // code byte of the current COBS block; 0 before the first
  uint8_t remaining_ = 0;   // data bytes still due in the current block
  bool too_long_ = false;   // decoded more than kMaxRawFrame: malformed at the delimiter
  bool dropping_ = false;   // oversized: discard up to the next delimiter
  Frame frame_;
  DecoderStats stats_;
};

}  // namespace shakedown::protocol

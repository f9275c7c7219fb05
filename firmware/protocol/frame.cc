#include "shakedown/protocol/frame.h"

#include "byte_order.h"
#include "cobs.h"
#include "crc32.h"

namespace shakedown::protocol {

size_t encode_frame(uint8_t type, uint16_t seq, std::span<const uint8_t> payload, std::span<uint8_t> out) {
  if (payload.size() > kMaxPayload || out.size() < 2) return 0;

  std::array<uint8_t, kFrameHeaderSize> header{type};
  store_le(&header[1], seq, 2);
  store_le(&header[3], payload.size(), 2);
  std::array<uint8_t, kFrameTrailerSize> trailer{};
  store_le(trailer.data(), crc32(payload, crc32(header)), 4);

  out[0] = 0;
  CobsEncoder cobs(out.subspan(1, out.size() - 2));
  cobs.put(header);
  cobs.put(payload);
  cobs.put(trailer);
  const size_t body = cobs.finish();
  if (body == 0) return 0;
  out[1 + body] = 0;
  return 1 + body + 1;
}

bool FrameDecoder::feed(uint8_t byte) {
  frame_ = Frame{};
  if (byte == 0) return end_of_frame();
  if (dropping_) return false;
  if (++encoded_len_ > kMaxEncodedFrame) {
    ++stats_.oversized;
    reset();
    dropping_ = true;
    return false;
  }
  if (remaining_ > 0) {
    append(byte);
    --remaining_;
    return false;
  }
  // A code byte. The block before it stood for its data and a zero, unless it
  // was a full one (code 0xff).
  if (code_ != 0 && code_ != 0xff) append(0);
  code_ = byte;
  remaining_ = static_cast<uint8_t>(byte - 1);
  return false;
}

void FrameDecoder::reset() {
  raw_len_ = 0;
  encoded_len_ = 0;
  code_ = 0;
  remaining_ = 0;
  too_long_ = false;
  dropping_ = false;
  frame_ = Frame{};
}

void FrameDecoder::append(uint8_t byte) {
  if (raw_len_ == raw_.size()) {
    too_long_ = true;
  } else {
    raw_[raw_len_++] = byte;
  }
}

// The closing delimiter: checks what arrived since the last one. raw_ keeps
// its bytes until the next frame overwrites them, so frame_ can point there.
bool FrameDecoder::end_of_frame() {
  const bool was_dropping = dropping_;
  const bool empty = encoded_len_ == 0;
  const bool cobs_complete = remaining_ == 0 && !too_long_;
  const size_t len = raw_len_;
  reset();
  if (was_dropping || empty) return false;  // oversized was counted when it began

  if (!cobs_complete || len < kFrameHeaderSize + kFrameTrailerSize ||
      load_le16(&raw_[3]) != len - kFrameHeaderSize - kFrameTrailerSize) {
    ++stats_.malformed;
    return false;
  }
  const size_t crc_at = len - kFrameTrailerSize;
  if (crc32(std::span<const uint8_t>(raw_).first(crc_at)) != load_le32(&raw_[crc_at])) {
    ++stats_.bad_crc;
    return false;
  }
  ++stats_.frames;
  frame_.type = raw_[0];
  frame_.seq = load_le16(&raw_[1]);
  frame_.payload = std::span<const uint8_t>(raw_).subspan(kFrameHeaderSize, crc_at - kFrameHeaderSize);
  return true;
}

}  // namespace shakedown::protocol

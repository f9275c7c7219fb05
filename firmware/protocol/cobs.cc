#include "cobs.h"

namespace shakedown::protocol {

void CobsEncoder::put(uint8_t byte) {
  if (byte == 0) {
    close_block();
    return;
  }
  write(next_++, byte);
  if (++code_ == 0xff) close_block();  // 254 data bytes: the longest block
}

void CobsEncoder::put(std::span<const uint8_t> bytes) {
  for (uint8_t byte : bytes) put(byte);
}

size_t CobsEncoder::finish() {
  write(code_at_, code_);
  return overflow_ ? 0 : next_;
}

void CobsEncoder::close_block() {
  write(code_at_, code_);
  code_at_ = next_++;
  code_ = 1;
}

void CobsEncoder::write(size_t at, uint8_t byte) {
  if (at < out_.size()) {
    out_[at] = byte;
  } else {
    overflow_ = true;
  }
}

}  // namespace shakedown::protocol

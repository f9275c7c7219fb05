#include "shakedown/protocol/tlv.h"

#include <algorithm>
#include <cstring>

#include "byte_order.h"

namespace shakedown::protocol {

// ---- TlvWriter

bool TlvWriter::reserve(uint8_t tag, size_t value_len, std::span<uint8_t>& value) {
  const size_t room = out_.size() - size_;
  if (!ok_ || value_len > kTlvMaxValue || room < kTlvHeaderSize || room - kTlvHeaderSize < value_len) {
    ok_ = false;
    return false;
  }
  out_[size_] = tag;
  store_le(&out_[size_ + 1], value_len, 2);
  value = out_.subspan(size_ + kTlvHeaderSize, value_len);
  size_ += kTlvHeaderSize + value_len;
  return true;
}

bool TlvWriter::put_le(uint8_t tag, uint64_t v, size_t width) {
  std::span<uint8_t> value;
  if (!reserve(tag, width, value)) return false;
  store_le(value.data(), v, width);
  return true;
}

bool TlvWriter::put_u8(uint8_t tag, uint8_t v) {
  return put_le(tag, v, 1);
}

bool TlvWriter::put_u16(uint8_t tag, uint16_t v) {
  return put_le(tag, v, 2);
}

bool TlvWriter::put_u32(uint8_t tag, uint32_t v) {
  return put_le(tag, v, 4);
}

bool TlvWriter::put_u64(uint8_t tag, uint64_t v) {
  return put_le(tag, v, 8);
}

bool TlvWriter::put_i32(uint8_t tag, int32_t v) {
  return put_le(tag, static_cast<uint32_t>(v), 4);
}

bool TlvWriter::put_i64(uint8_t tag, int64_t v) {
  return put_le(tag, static_cast<uint64_t>(v), 8);
}

bool TlvWriter::put_bytes(uint8_t tag, std::span<const uint8_t> v) {
  std::span<uint8_t> value;
  if (!reserve(tag, v.size(), value)) return false;
  if (!v.empty()) std::memcpy(value.data(), v.data(), v.size());
  return true;
}

bool TlvWriter::put_str(uint8_t tag, std::string_view v) {
  return put_bytes(tag, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(v.data()), v.size()));
}

bool TlvWriter::put_str_truncated(uint8_t tag, std::string_view v, size_t max) {
  const size_t room = out_.size() - size_;
  if (!ok_ || room < kTlvHeaderSize) {
    ok_ = false;
    return false;
  }
  size_t n = std::min({v.size(), max, room - kTlvHeaderSize, kTlvMaxValue});
  if (n < v.size()) {
    // Back off to the start of the UTF-8 sequence v[n] belongs to.
    while (n > 0 && (static_cast<uint8_t>(v[n]) & 0xc0) == 0x80) --n;
  }
  return put_str(tag, v.substr(0, n));
}

bool TlvWriter::put_u16_list(uint8_t tag, std::span<const uint16_t> v) {
  std::span<uint8_t> value;
  if (v.size() > kTlvMaxValue / 2 || !reserve(tag, 2 * v.size(), value)) {
    ok_ = false;
    return false;
  }
  for (size_t i = 0; i < v.size(); ++i) store_le(&value[2 * i], v[i], 2);
  return true;
}

// ---- TlvReader

bool TlvReader::next() {
  tag_ = 0;
  value_ = {};
  if (!ok_ || pos_ == in_.size()) return false;
  const size_t left = in_.size() - pos_;
  if (left < kTlvHeaderSize || left - kTlvHeaderSize < load_le16(&in_[pos_ + 1])) {
    ok_ = false;
    return false;
  }
  tag_ = in_[pos_];
  value_ = in_.subspan(pos_ + kTlvHeaderSize, load_le16(&in_[pos_ + 1]));
  pos_ += kTlvHeaderSize + value_.size();
  return true;
}

bool TlvReader::get_le(uint64_t& out, size_t width) const {
  if (value_.size() != width) return false;
  out = load_le(value_.data(), width);
  return true;
}

bool TlvReader::get_u8(uint8_t& out) const {
  uint64_t v = 0;
  if (!get_le(v, 1)) return false;
  out = static_cast<uint8_t>(v);
  return true;
}

bool TlvReader::get_u16(uint16_t& out) const {
  uint64_t v = 0;
  if (!get_le(v, 2)) return false;
  out = static_cast<uint16_t>(v);
  return true;
}

bool TlvReader::get_u32(uint32_t& out) const {
  uint64_t v = 0;
  if (!get_le(v, 4)) return false;
  out = static_cast<uint32_t>(v);
  return true;
}

bool TlvReader::get_u64(uint64_t& out) const {
  return get_le(out, 8);
}

bool TlvReader::get_i32(int32_t& out) const {
  uint64_t v = 0;
  if (!get_le(v, 4)) return false;
  out = static_cast<int32_t>(static_cast<uint32_t>(v));  // two's complement, defined since C++20
  return true;
}

bool TlvReader::get_i64(int64_t& out) const {
  uint64_t v = 0;
  if (!get_le(v, 8)) return false;
  out = static_cast<int64_t>(v);
  return true;
}

std::string_view TlvReader::get_str() const {
  return std::string_view(reinterpret_cast<const char*>(value_.data()), value_.size());
}

size_t TlvReader::get_u16_list(std::span<uint16_t> out) const {
  if (value_.size() % 2 != 0) return 0;
  const size_t count = value_.size() / 2;
  for (size_t i = 0; i < std::min(count, out.size()); ++i) out[i] = load_le16(&value_[2 * i]);
  return count;
}

}  // namespace shakedown::protocol

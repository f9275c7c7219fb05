#pragma once
// TLV payloads of the device protocol: a frame's payload is a sequence of
// items, each tag u8, length u16 LE, then length value bytes. Integers are
// fixed-width little-endian (i32 and i64 as two's complement); strings are
// UTF-8 without a terminator; a u16 list is its items back to back.
//
// Freestanding: no heap, no exceptions. See docs/protocol.md.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace shakedown::protocol {

inline constexpr size_t kTlvHeaderSize = 3;     // tag u8, length u16 LE
inline constexpr size_t kTlvMaxValue = 0xffff;  // the length field's limit

// Appends items to a caller's buffer. A put that does not fit writes nothing,
// returns false and makes ok() false for good: later puts fail too, so a
// message is either complete or visibly broken, never silently short.
class TlvWriter {
 public:
  explicit TlvWriter(std::span<uint8_t> out) : out_(out) {}

  bool put_u8(uint8_t tag, uint8_t v);
  bool put_u16(uint8_t tag, uint16_t v);
  bool put_u32(uint8_t tag, uint32_t v);
  bool put_u64(uint8_t tag, uint64_t v);
  bool put_i32(uint8_t tag, int32_t v);
  bool put_i64(uint8_t tag, int64_t v);
  bool put_bytes(uint8_t tag, std::span<const uint8_t> v);
  bool put_str(uint8_t tag, std::string_view v);
  // Writes at most max bytes of v, fewer if the buffer has less room (for log
  // lines). A cut never splits a UTF-8 sequence. Returns false only if even 0
  // bytes do not fit.
  bool put_str_truncated(uint8_t tag, std::string_view v, size_t max);
  // Each item as u16 LE (cipher suite lists).
  bool put_u16_list(uint8_t tag, std::span<const uint16_t> v);

  size_t size() const { return size_; }
  bool ok() const { return ok_; }  // false once any put failed
  std::span<const uint8_t> bytes() const { return std::span<const uint8_t>(out_).first(size_); }

 private:
  // Writes an item's header and reserves value_len bytes for its value; false
  // (and ok_ false) when it does not fit.
  bool reserve(uint8_t tag, size_t value_len, std::span<uint8_t>& value);
  bool put_le(uint8_t tag, uint64_t v, size_t width);

  std::span<uint8_t> out_;
  size_t size_ = 0;
  bool ok_ = true;
};

// Walks the items of a payload without copying: value() points into the input.
// Never reads past the end of the input.
class TlvReader {
 public:
  explicit TlvReader(std::span<const uint8_t> in) : in_(in) {}

  // Advances to the next item; false at the end or on a malformed item (then
  // ok() is false). After false, tag() is 0 and value() empty.
  bool next();
  uint8_t tag() const { return tag_; }
  std::span<const uint8_t> value() const { return value_; }
  bool ok() const { return ok_; }  // false if the input ended inside an item

  // Typed reads of the current value; false (leaving out unchanged) when the
  // width does not match.
  bool get_u8(uint8_t& out) const;
  bool get_u16(uint16_t& out) const;
  bool get_u32(uint32_t& out) const;
  bool get_u64(uint64_t& out) const;
  bool get_i32(int32_t& out) const;
  bool get_i64(int64_t& out) const;
  // The value as text, viewing the input (not checked for UTF-8).
  std::string_view get_str() const;
  // Returns how many u16 items the value holds and writes the first
  // out.size() of them; 0 (nothing written) if the value's length is odd.
  size_t get_u16_list(std::span<uint16_t> out) const;

 private:
  bool get_le(uint64_t& out, size_t width) const;

  std::span<const uint8_t> in_;
  size_t pos_ = 0;  // offset of the next item
  uint8_t tag_ = 0;
  std::span<const uint8_t> value_;
  bool ok_ = true;
};

}  // namespace shakedown::protocol

#include "client_hello.h"

namespace shakedown::core {
namespace {

// A forward-only reader that fails once it would run past the end.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  bool skip(size_t n) {
    if (n > bytes_.size() - pos_) return fail();
    pos_ += n;
    return true;
  }
  bool u8(uint32_t& v) { return number(1, v); }
  bool u16(uint32_t& v) { return number(2, v); }
  bool u24(uint32_t& v) { return number(3, v); }
  bool good() const { return good_; }

 private:
  bool number(size_t width, uint32_t& v) {
    if (width > bytes_.size() - pos_) return fail();
    v = 0;
    for (size_t i = 0; i < width; ++i) v = (v << 8) | bytes_[pos_++];
    return true;
  }
  bool fail() {
    good_ = false;
    return false;
  }
  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
  bool good_ = true;
};

constexpr uint32_t kHandshakeRecord = 22;
constexpr uint32_t kClientHello = 1;
constexpr size_t kRandomSize = 32;

}  // namespace

int parse_client_hello_suites(std::span<const uint8_t> wire, std::span<uint16_t> out) {
  Reader r(wire);
  uint32_t record_type = 0, message_type = 0, suites_len = 0, unused = 0, session_id_len = 0;
  if (!r.u8(record_type) || record_type != kHandshakeRecord) return -1;
  r.skip(2);      // record version
  r.u16(unused);  // record length
  if (!r.u8(message_type) || message_type != kClientHello) return -1;
  r.u24(unused);  // message length
  r.skip(2);      // client_version
  r.skip(kRandomSize);
  r.u8(session_id_len);
  r.skip(session_id_len);
  if (!r.u16(suites_len) || suites_len % 2 != 0) return -1;
  int count = 0;
  for (uint32_t i = 0; i < suites_len / 2; ++i) {
    uint32_t suite = 0;
    if (!r.u16(suite)) return -1;
    if (static_cast<size_t>(count) < out.size()) out[count] = static_cast<uint16_t>(suite);
    ++count;
  }
  return r.good() ? count : -1;
}

}  // namespace shakedown::core

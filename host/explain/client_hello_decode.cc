#include "client_hello_decode.h"

#include <vector>

namespace shakedown::explain {
namespace {

// Reads big-endian fields from a bounded span; any overrun fails the reader.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  bool ok() const { return ok_; }
  size_t left() const { return ok_ ? bytes_.size() - at_ : 0; }
  uint32_t u(size_t width) {
    if (!ok_ || left() < width) {
      ok_ = false;
      return 0;
    }
    uint32_t v = 0;
    for (size_t i = 0; i < width; ++i) v = v << 8 | bytes_[at_++];
    return v;
  }
  std::span<const uint8_t> take(size_t n) {
    if (!ok_ || left() < n) {
      ok_ = false;
      return {};
    }
    auto s = bytes_.subspan(at_, n);
    at_ += n;
    return s;
  }

 private:
  std::span<const uint8_t> bytes_;
  size_t at_ = 0;
  bool ok_ = true;
};

std::vector<uint16_t> u16_list(std::span<const uint8_t> bytes) {
  std::vector<uint16_t> out;
  for (size_t i = 0; i + 1 < bytes.size(); i += 2) out.push_back(static_cast<uint16_t>(bytes[i] << 8 | bytes[i + 1]));
  return out;
}

std::optional<servers::ClientHelloCapture> decode_message(std::span<const uint8_t> message) {
  Reader r(message);
  if (r.u(1) != 1) return std::nullopt;  // not a ClientHello
  const uint32_t length = r.u(3);
  if (!r.ok() || r.left() < length) return std::nullopt;
  Reader body(r.take(length));
  servers::ClientHelloCapture hello;
  hello.legacy_version = static_cast<uint16_t>(body.u(2));
  body.take(32);                     // random
  body.take(body.u(1));              // session id
  hello.cipher_suites = u16_list(body.take(body.u(2)));
  body.take(body.u(1));              // compression methods
  if (!body.ok()) return std::nullopt;
  if (body.left() == 0) return hello;  // no extensions
  Reader extensions(body.take(body.u(2)));
  while (extensions.ok() && extensions.left() >= 4) {
    const auto type = static_cast<int>(extensions.u(2));
    auto data = extensions.take(extensions.u(2));
    if (!extensions.ok()) break;
    hello.extensions.push_back(type);
    Reader e(data);
    switch (type) {
      case 0: {  // server_name: list of (type, name)
        Reader list(e.take(e.u(2)));
        if (list.u(1) == 0) {
          auto name = list.take(list.u(2));
          if (list.ok()) hello.server_name.assign(name.begin(), name.end());
        }
        break;
      }
      case 1: {  // max_fragment_length: 1..4 -> 512..4096
        const uint32_t code = e.u(1);
        if (e.ok() && code >= 1 && code <= 4) hello.max_fragment_length = 256 << code;
        break;
      }
      case 10: hello.groups = u16_list(e.take(e.u(2))); break;
      case 13: hello.signature_algorithms = u16_list(e.take(e.u(2))); break;
      case 16: {
        Reader list(e.take(e.u(2)));
        while (list.ok() && list.left() > 0) {
          auto p = list.take(list.u(1));
          if (list.ok()) hello.alpn.emplace_back(p.begin(), p.end());
        }
        break;
      }
      case 35: hello.session_ticket = true; break;
      case 43: hello.supported_versions = u16_list(e.take(e.u(1))); break;
      default: break;
    }
  }
  return hello;
}

}  // namespace

std::optional<servers::ClientHelloCapture> decode_client_hello(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return std::nullopt;
  if (bytes[0] == 1) return decode_message(bytes);
  // Records: reassemble the handshake records' payloads.
  std::vector<uint8_t> handshake;
  Reader r(bytes);
  while (r.ok() && r.left() >= 5) {
    const uint32_t type = r.u(1);
    r.u(2);  // version
    auto payload = r.take(r.u(2));
    if (!r.ok()) {
      break;
    }
    if (type != 22) break;
    handshake.insert(handshake.end(), payload.begin(), payload.end());
  }
  if (handshake.empty()) return std::nullopt;
  return decode_message(handshake);
}

}  // namespace shakedown::explain

// libFuzzer target: the test server's view of TLS records over any bytes a
// client sends (RecordStream: records, plaintext handshake messages,
// alerts), and its reshaping of its own records (Refragmenter,
// coalesce_handshake_records, find_handshake_record). The input's first four
// bytes pick how the rest is cut into reads, the record size and the
// message to stall before. Checks: reading in pieces sees what reading at
// once sees; reshaping leaves the handshake messages and alerts as they
// were; find_handshake_record points at a handshake record of the type asked.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <tuple>
#include <vector>

#include "record_stream.h"

namespace {

using namespace shakedown::servers;

struct Seen {
  std::vector<RecordSeen> records;
  std::vector<HandshakeMessage> transcript;
  std::vector<AlertSeen> alerts;
};

auto key(const RecordSeen& r) {
  return std::tie(r.content_type, r.length, r.handshake_type, r.encrypted);
}
auto key(const HandshakeMessage& m) {
  return std::tie(m.from_server, m.type, m.length);
}
auto key(const AlertSeen& a) {
  return std::tie(a.from_server, a.level, a.description);
}

template <typename T>
bool same(const std::vector<T>& a, const std::vector<T>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const T& x, const T& y) { return key(x) == key(y); });
}

// `bytes` through one RecordStream, in reads of 1 to 32 bytes as `cuts` says
// (0: all at once).
Seen follow(std::span<const uint8_t> bytes, bool from_server, uint8_t cuts) {
  Seen seen;
  RecordStream stream(from_server);
  for (size_t at = 0, i = 0; at < bytes.size(); ++i) {
    const size_t n = cuts == 0 ? bytes.size() : 1 + (cuts * (i + 1)) % 32;
    const auto piece = bytes.subspan(at, std::min(n, bytes.size() - at));
    stream.feed(piece, 0, seen.records, seen.transcript, seen.alerts);
    at += piece.size();
  }
  return seen;
}

void same_messages(std::span<const uint8_t> before, std::span<const uint8_t> after) {
  const Seen a = follow(before, true, 0), b = follow(after, true, 0);
  if (!same(a.transcript, b.transcript) || !same(a.alerts, b.alerts)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const uint8_t cuts = data[0];
  const size_t record_size = 1 + (data[1] | data[2] << 8) % 16384;  // scenario bounds: 1 to 16384
  const int stall_before = data[3];
  const std::span<const uint8_t> bytes(data + 4, size - 4);

  const Seen whole = follow(bytes, false, 0);
  const Seen pieces = follow(bytes, false, cuts | 1);
  if (!same(whole.records, pieces.records) || !same(whole.transcript, pieces.transcript) ||
      !same(whole.alerts, pieces.alerts)) {
    __builtin_trap();
  }

  Refragmenter refragmenter(record_size);
  same_messages(bytes, refragmenter.apply(bytes));
  bool encrypted = false;
  same_messages(bytes, coalesce_handshake_records(bytes, encrypted));

  encrypted = false;
  const size_t at = find_handshake_record(bytes, stall_before, encrypted);
  if (at > bytes.size()) __builtin_trap();
  if (at < bytes.size() && (bytes[at] != 22 || at + 5 >= bytes.size() || bytes[at + 5] != stall_before)) {
    __builtin_trap();
  }
  return 0;
}

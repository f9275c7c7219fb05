// libFuzzer target: the host's decoding of what a device sends (frames,
// banners, reports, peer certificates, logs, the reply loop). DeviceClient
// talks to a fake link that answers from the fuzz input; a DeviceError is
// the client's answer to a bad device, anything else escaping is a finding.
//
// The input is a script, read front to back. The harness takes one byte to
// pick each call (see call()), the fake link one step per read:
//   step & 3 == 0  a frame: type u8, length u16 LE, payload. The fake adds
//                  the CRC and COBS, so the fuzzer works on payloads rather
//                  than checksums. Its sequence number is the last
//                  request's, or by (step >> 2) & 3: 1 zero (the device's
//                  own), 2 the request before (stale), 3 the next two bytes.
//                  step & 0x10: a banner echoes the last sync's nonce (the
//                  host picks it at random). step & 0x20: the frame arrives
//                  in two reads, cut where the next byte says.
//   step & 3 == 1  raw bytes: length u8, bytes (stray output, broken frames).
//   step & 3 == 2  a read that times out.
//   step & 3 == 3  a read that finds the device gone.
// At the script's end reads find the device gone and writes fail, so every
// call ends without waiting. host/device/device_client_fuzz_seeds.py turns
// recorded traffic into scripts.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "device_client.h"
#include "shakedown/protocol/tlv.h"

namespace {

using namespace shakedown;
using protocol::MessageType;
using std::chrono::milliseconds;

// Short, yet never reached: the fake never blocks, so a call ends when the
// script does.
constexpr milliseconds kTimeout{500};

class Script {
 public:
  Script(const uint8_t* data, size_t size) : rest_(data, size) {}
  bool done() const { return rest_.empty(); }
  uint8_t byte() {
    if (rest_.empty()) return 0;
    const uint8_t b = rest_.front();
    rest_ = rest_.subspan(1);
    return b;
  }
  uint16_t u16() {  // little-endian
    const uint8_t low = byte();
    return static_cast<uint16_t>(low | byte() << 8);
  }
  std::span<const uint8_t> take(size_t n) {
    const auto taken = rest_.first(std::min(n, rest_.size()));
    rest_ = rest_.subspan(taken.size());
    return taken;
  }

 private:
  std::span<const uint8_t> rest_;
};

// A fake device: each read plays the script's next step; each write is
// decoded to learn the request's sequence number and a sync's nonce.
class FuzzBytesLink final : public links::Link {
 public:
  explicit FuzzBytesLink(Script& script) : script_(script) {}

  links::LinkRead read(std::span<uint8_t> out, milliseconds) override {
    using Status = links::LinkRead::Status;
    if (queued_.empty()) {
      if (script_.done()) return {Status::kClosed, 0};
      const uint8_t step = script_.byte();
      switch (step & 3) {
        case 0: queue_frame(step); break;
        case 1: {
          const auto raw = script_.take(script_.byte());
          queued_.emplace_back(raw.begin(), raw.end());
          break;
        }
        case 2: return {Status::kTimedOut, 0};
        default: return {Status::kClosed, 0};
      }
      if (queued_.empty() || queued_.front().empty()) {
        queued_.clear();
        return {Status::kTimedOut, 0};
      }
    }
    std::vector<uint8_t>& next = queued_.front();
    const size_t n = std::min(out.size(), next.size());
    std::copy_n(next.begin(), n, out.begin());
    next.erase(next.begin(), next.begin() + static_cast<long>(n));
    if (next.empty()) queued_.erase(queued_.begin());
    return {Status::kData, n};
  }

  bool write(std::span<const uint8_t> data, milliseconds) override {
    if (script_.done()) return false;
    for (uint8_t b : data) {
      if (!requests_.feed(b)) continue;
      const protocol::Frame& f = requests_.frame();
      previous_seq_ = last_seq_;
      last_seq_ = f.seq;
      if (static_cast<MessageType>(f.type) != MessageType::kSync) continue;
      protocol::TlvReader r(f.payload);
      while (r.next()) {
        if (r.tag() == protocol::sync_tag::kNonce) r.get_u32(nonce_);
      }
    }
    return true;
  }

  std::string describe() const override { return "fuzz link"; }

 private:
  static constexpr size_t kNonceItem = protocol::kTlvHeaderSize + 4;

  void queue_frame(uint8_t step) {
    const uint8_t type = script_.byte();
    uint16_t seq = last_seq_;
    switch ((step >> 2) & 3) {
      case 1: seq = 0; break;
      case 2: seq = previous_seq_; break;
      case 3: seq = script_.u16(); break;
      default: break;
    }
    const bool echo_nonce = (step & 0x10) && static_cast<MessageType>(type) == MessageType::kBanner;
    const bool split = step & 0x20;
    const size_t length = script_.u16();
    const auto body = script_.take(std::min(length, protocol::kMaxPayload - (echo_nonce ? kNonceItem : 0)));
    std::array<uint8_t, protocol::kMaxPayload> payload{};
    std::copy(body.begin(), body.end(), payload.begin());
    size_t size = body.size();
    if (echo_nonce) {
      protocol::TlvWriter w(std::span(payload).subspan(size));
      w.put_u32(protocol::banner_tag::kNonce, nonce_);
      size += w.size();
    }
    std::vector<uint8_t> wire(protocol::kMaxEncodedFrame);
    wire.resize(protocol::encode_frame(type, seq, std::span(payload).first(size), wire));
    if (split && wire.size() > 1) {
      const auto cut = wire.begin() + 1 + script_.byte() % static_cast<long>(wire.size() - 1);
      queued_.emplace_back(wire.begin(), cut);
      queued_.emplace_back(cut, wire.end());
    } else {
      queued_.push_back(std::move(wire));
    }
  }

  Script& script_;
  std::vector<std::vector<uint8_t>> queued_;  // what the next reads return, one element a read
  protocol::FrameDecoder requests_;
  uint16_t last_seq_ = 0, previous_seq_ = 0;
  uint32_t nonce_ = 0;
};

// One DeviceClient call, picked by the script's next byte; the seeds script
// writes the same numbers.
void call(device::DeviceClient& client, Script& script) {
  switch (script.byte() % 9) {
    case 0: client.sync(kTimeout); break;
    case 1: client.configure(device::DeviceConfig{}, kTimeout); break;
    case 2: {
      const auto kind = static_cast<protocol::BlobKind>(script.byte() % 4);
      const std::vector<uint8_t> blob(script.byte() * 3u, 0x30);  // one chunk at most
      client.upload(kind, blob, kTimeout);
      break;
    }
    case 3: {
      std::vector<std::string> log;
      const device::ClientReport report = client.connect("127.0.0.1", 4433, kTimeout, log);
      for (size_t i = 1; i < report.peer_chain.size(); ++i) {
        if (report.peer_chain[i - 1].depth > report.peer_chain[i].depth) __builtin_trap();
      }
      (void)device::verify_flag_names(report.verify_flags);
      (void)device::format_code(report.result);
      break;
    }
    case 4: {
      const std::vector<uint8_t> data(script.byte(), 0x61);
      client.send(data, kTimeout);
      break;
    }
    case 5: {
      std::vector<uint8_t> out;
      client.receive(out, 64, 100, kTimeout);
      break;
    }
    case 6: client.stats(kTimeout); break;
    case 7: client.reset(kTimeout); break;
    default: client.close_session(kTimeout); break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Script script(data, size);
  FuzzBytesLink link(script);
  device::DeviceClient client(link);
  while (!script.done()) {
    try {
      call(client, script);
    } catch (const device::DeviceError&) {
    }
  }
  return 0;
}

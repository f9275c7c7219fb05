#pragma once
// DeviceClient: the host's half of the device protocol, over any Link. Each
// call sends one request and waits, bounded, for the reply with its sequence
// number, gathering the log lines that come first. A device that stays
// silent, garbles its frames or hangs up raises DeviceError: an
// infrastructure failure, never a handshake result.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <stop_token>
#include <stdexcept>
#include <string>
#include <vector>

#include "client_report.h"
#include "device_config.h"
#include "link.h"
#include "shakedown/protocol/frame.h"
#include "shakedown/protocol/messages.h"

namespace shakedown::device {

class DeviceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Banner {
  uint16_t protocol_version = 0;
  uint32_t nonce = 0;
  BuildFacts build;
  std::optional<NetworkState> network;  // from ports that report it
};

// Bounds on what a device may send before one reply, so that a chatty or
// broken device costs bounded memory and disk. Sized from the largest real
// output with a wide margin: Mbed TLS's level-4 log of a handshake with a
// 16 KB chain is about 1.5 MB in 9,000 lines, and a chain Mbed TLS verifies
// has at most MBEDTLS_X509_MAX_INTERMEDIATE_CA + 2 (10) certificates. Past a
// cap the excess is dropped and counted in ClientReport::dropped; past
// kFloodFactor times a cap the device is flooding, and the request fails as
// an infrastructure error.
struct ReplyCaps {
  size_t log_bytes = 16u << 20;
  size_t peer_certificates = 16;
};
inline constexpr size_t kFloodFactor = 4;

struct DeviceStats {
  uint32_t frames = 0, bad_crc = 0, malformed = 0, oversized = 0, log_dropped = 0;
  bool session_open = false;
};

class DeviceClient {
 public:
  explicit DeviceClient(links::Link& link, ReplyCaps caps = {}) : link_(link), caps_(caps) {}

  // Sends sync with a fresh nonce until the banner echoing it arrives (stray
  // output and stale frames are skipped), within `timeout`.
  Banner sync(std::chrono::milliseconds timeout);
  void configure(const DeviceConfig& config, std::chrono::milliseconds timeout);
  // Uploads a certificate or key in chunks.
  void upload(protocol::BlobKind kind, std::span<const uint8_t> bytes, std::chrono::milliseconds timeout);
  // Runs the handshake; log lines go to `log` as they arrive.
  ClientReport connect(const std::string& address, uint16_t port, std::chrono::milliseconds timeout,
                       std::vector<std::string>& log);
  // Application data over the open session: bytes moved or a negative code.
  int32_t send(std::span<const uint8_t> data, std::chrono::milliseconds timeout);
  int32_t receive(std::vector<uint8_t>& out, uint16_t max, uint32_t device_timeout_ms,
                  std::chrono::milliseconds timeout);
  DeviceStats stats(std::chrono::milliseconds timeout);
  void reset(std::chrono::milliseconds timeout);
  // Closes the open session, keeping the configuration and blobs.
  void close_session(std::chrono::milliseconds timeout);

  // From now on, a wait for a reply ends early with DeviceError once `stop`
  // is requested (the run is stopping); checked at least every 100 ms.
  void stop_waiting_on(std::stop_token stop) { stop_ = std::move(stop); }

  // Frames from the device the host dropped (bad CRC, malformed, oversized).
  const protocol::DecoderStats& decoder_stats() const { return decoder_.stats(); }

 private:
  struct Reply {
    protocol::MessageType type{};
    std::vector<uint8_t> payload;
  };
  uint16_t send_request(protocol::MessageType type, std::span<const uint8_t> payload,
                        std::chrono::milliseconds timeout);
  // Waits for the reply to `seq`; log lines and peer certificates on the way
  // go to the optional sinks. kError replies raise DeviceError.
  Reply await_reply(uint16_t seq, std::chrono::steady_clock::time_point deadline, std::vector<std::string>* log,
                    std::vector<PeerCertificate>* peers);
  Reply request(protocol::MessageType type, std::span<const uint8_t> payload, std::chrono::milliseconds timeout,
                std::vector<std::string>* log = nullptr, std::vector<PeerCertificate>* peers = nullptr);

  // Keeps one streamed log line or peer certificate within the caps; counts
  // what it drops, and raises DeviceError for a flood.
  void take_log_line(std::string line, std::vector<std::string>& log);
  void take_peer(PeerCertificate peer, std::vector<PeerCertificate>& peers);

  links::Link& link_;
  ReplyCaps caps_;
  size_t log_bytes_ = 0;  // log bytes taken during the current request
  Dropped dropped_;       // during the current request
  protocol::FrameDecoder decoder_;
  uint16_t next_seq_ = 1;
  // kLog frames of the request under way, counted in await_reply.
  uint32_t log_frames_of_request_ = 0;
  std::vector<uint8_t> pending_;  // received bytes not yet fed to the decoder
  std::stop_token stop_;
};

}  // namespace shakedown::device

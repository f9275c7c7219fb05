#pragma once
// Agent: the on-target half of the device protocol. It reads requests from
// the Console, drives the client core, and answers with replies, log lines
// and handshake reports. The same agent runs on every target; a port only
// supplies the seams, the storage, and its identity.
//
// Bounded: every buffer is fixed here or given by the port; nothing is
// allocated outside Mbed TLS's heap.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "shakedown/agent/console.h"
#include "shakedown/agent/network_monitor.h"
#include "shakedown/agent/stack_gauge.h"
#include "shakedown/core/client.h"
#include "shakedown/protocol/frame.h"
#include "shakedown/protocol/messages.h"
#include "shakedown/protocol/tlv.h"

namespace shakedown::agent {

struct AgentIdentity {
  std::string_view target;    // "sim", "qemu-mps2-an386", ...
  std::string_view build_id;  // e.g. the git revision the image was built from
  std::string_view entropy;   // what feeds the RNG: "getrandom", "TEST-ONLY ..."
};

// Where uploaded certificates and keys go; the port decides the sizes.
struct AgentStorage {
  std::span<uint8_t> ca_chain;
  std::span<uint8_t> own_certificate;
  std::span<uint8_t> own_key;
};

// What the port can measure about itself, each optional: without a stack
// gauge reports carry no stack peak; without a network monitor neither the
// banner nor the reports carry the network's state.
struct AgentGauges {
  StackGauge* stack = nullptr;
  NetworkMonitor* network = nullptr;
};

class Agent {
 public:
  Agent(Console& console, core::Transport& transport, core::Clock& clock, core::Entropy& entropy, core::Heap& heap,
        AgentIdentity identity, AgentStorage storage, AgentGauges gauges = {});

  // Sends the banner unasked (nonce 0): what a host attaching at boot sees.
  void announce();

  // Handles the requests that arrive within timeout_ms. Returns false once
  // the console has closed.
  bool poll(uint32_t timeout_ms);

  const protocol::DecoderStats& decoder_stats() const { return decoder_.stats(); }

 private:
  // The clock the client sees: the port's, or the host's choice of wall
  // time (a fixed instant that then advances, or unset).
  class ConfiguredClock final : public core::Clock {
   public:
    explicit ConfiguredClock(core::Clock& port) : port_(port) {}
    uint64_t monotonic_ms() override { return port_.monotonic_ms(); }
    std::optional<int64_t> wall_time_s() override;
    void follow_port() { mode_ = Mode::kPort; }
    void unset() { mode_ = Mode::kUnset; }
    void set(int64_t wall_s);

   private:
    enum class Mode { kPort, kUnset, kSet };
    core::Clock& port_;
    Mode mode_ = Mode::kPort;
    int64_t base_wall_s_ = 0;
    uint64_t base_ms_ = 0;
  };

  // Log lines become kLog frames tagged with the request under way.
  class FrameLogSink final : public core::LogSink {
   public:
    explicit FrameLogSink(Agent& agent) : agent_(agent) {}
    void write(core::LogSource source, int level, std::string_view line) override;

   private:
    Agent& agent_;
  };

  struct Blob {
    std::span<uint8_t> storage;
    size_t total = 0;     // announced size; 0: none
    size_t received = 0;  // bytes written so far (chunks arrive in order)
    bool complete() const { return total != 0 && received == total; }
    std::span<const uint8_t> bytes() const { return complete() ? storage.first(total) : std::span<const uint8_t>(); }
  };

  void dispatch(const protocol::Frame& frame);
  // A request numbered no later than the last one handled: a duplicate or a
  // replay from a faulty line, which must not run twice.
  bool stale(const protocol::Frame& frame) const;
  void on_sync(std::span<const uint8_t> payload);
  void on_configure(std::span<const uint8_t> payload);
  // One option of kConfigure, by its row in client_options.def: nullptr, or
  // why it is refused.
  const char* apply_option(const protocol::TlvReader& r);
  template <typename T>
  const char* set_number(const protocol::TlvReader& r, const protocol::ClientOptionRow& row, T& out);
  const char* refusal(const protocol::ClientOptionRow& row, std::string_view why);
  // The special rows' decoders, by field.
  const char* decode_hostname(const protocol::TlvReader& r, const protocol::ClientOptionRow& row);
  const char* decode_ciphersuites(const protocol::TlvReader& r, const protocol::ClientOptionRow& row);
  const char* decode_versions(const protocol::TlvReader& r, const protocol::ClientOptionRow& row);
  const char* decode_time(const protocol::TlvReader& r, const protocol::ClientOptionRow& row);
  const char* decode_first_request(const protocol::TlvReader& r, const protocol::ClientOptionRow& row);
  const char* decode_psk(const protocol::TlvReader& r, const protocol::ClientOptionRow& row);
  void on_blob(std::span<const uint8_t> payload);
  void on_connect(std::span<const uint8_t> payload);
  void on_send(std::span<const uint8_t> payload);
  void on_receive(std::span<const uint8_t> payload);
  void on_stats();
  void on_reset();
  void on_close();

  void send_banner(uint32_t nonce);
  void send_report(const core::HandshakeReport& report, uint32_t stack_peak);
  // The network monitor's state as network_tag TLVs, when there is one.
  void put_network_state(protocol::TlvWriter& w) const;
  // False if the frame could not be encoded or written.
  bool reply(protocol::MessageType type, std::span<const uint8_t> payload);
  void ack(int32_t status);
  void refuse(protocol::ErrorCode code, std::string_view message);
  void forget_configuration();

  Console& console_;
  core::Transport& transport_;
  core::Heap& heap_;
  AgentGauges gauges_;
  AgentIdentity identity_;
  ConfiguredClock clock_;
  FrameLogSink log_;
  core::Client client_;
  protocol::FrameDecoder decoder_;

  uint16_t seq_ = 0;            // of the request being handled
  uint16_t last_seq_ = 0;       // of the last request handled, for stale()
  uint32_t session_nonce_ = 0;  // of the last sync: a new one starts a host session
  uint32_t log_dropped_ = 0;
  uint32_t log_lines_sent_ = 0;  // kLog frames written for the kConnect under way
  Blob ca_chain_;
  Blob own_certificate_;
  Blob own_key_;
  core::ClientOptions options_;
  char hostname_[256] = {};
  uint8_t first_request_[64] = {};
  char psk_identity_[128] = {};
  uint8_t psk_[64] = {};
  char address_[64] = {};
  char refusal_[64] = {};  // the message of an option refused
  uint16_t suites_[core::HandshakeReport::kMaxSuites] = {};

  uint8_t rx_[256] = {};
  uint8_t payload_[protocol::kMaxPayload] = {};
  uint8_t tx_[protocol::kMaxEncodedFrame] = {};
};

}  // namespace shakedown::agent

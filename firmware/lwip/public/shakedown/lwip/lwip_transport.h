#pragma once
// Transport over lwIP's raw API (NO_SYS): one TCP connection at a time, for
// firmware without an OS. Nothing runs in the background, so every wait here
// drives the network itself through the port's NetworkPoller, bounded by
// the Clock seam. Nagle is off: Mbed TLS writes a flight as several records,
// and each would otherwise wait for the server's delayed ACK.

#include "shakedown/core/clock.h"
#include "shakedown/core/transport.h"

struct tcp_pcb;
struct pbuf;

namespace shakedown::lwip {

// What the port does to move the network on: read frames from the NIC into
// lwIP and run lwIP's timers. Called repeatedly while a call waits.
class NetworkPoller {
 public:
  virtual ~NetworkPoller() = default;
  virtual void poll() = 0;
};

class LwipTransport final : public core::Transport {
 public:
  LwipTransport(NetworkPoller& network, core::Clock& clock) : network_(network), clock_(clock) {}
  ~LwipTransport() override { close(); }
  LwipTransport(const LwipTransport&) = delete;
  LwipTransport& operator=(const LwipTransport&) = delete;

  core::IoStatus connect(std::string_view host, uint16_t port, uint32_t timeout_ms) override;
  core::IoResult send(std::span<const uint8_t> data) override;
  core::IoResult receive(std::span<uint8_t> out, uint32_t timeout_ms) override;
  void close() override;

 private:
  enum class State : uint8_t { kIdle, kConnecting, kConnected, kPeerClosed, kFailed };

  static signed char on_connected(void* arg, tcp_pcb* pcb, signed char err);
  static signed char on_received(void* arg, tcp_pcb* pcb, pbuf* p, signed char err);
  static void on_error(void* arg, signed char err);
  void detach();

  NetworkPoller& network_;
  core::Clock& clock_;
  tcp_pcb* pcb_ = nullptr;
  pbuf* received_ = nullptr;  // arrived, not yet read
  State state_ = State::kIdle;
  core::IoStatus failure_ = core::IoStatus::kFailed;  // why, in kFailed
};

}  // namespace shakedown::lwip

#pragma once
// Transport over a POSIX TCP socket, for the simulator.
//
// Connects only to loopback addresses: the simulator talks to shakedown's own
// test servers, never to a network. TCP_NODELAY is set, since Mbed TLS's own
// net layer leaves Nagle on and its handshakes then wait ~40 ms for delayed ACKs.

#include "shakedown/core/transport.h"

namespace shakedown::sim {

class PosixTransport final : public core::Transport {
 public:
  PosixTransport() = default;
  ~PosixTransport() override { close(); }
  PosixTransport(const PosixTransport&) = delete;
  PosixTransport& operator=(const PosixTransport&) = delete;

  core::IoStatus connect(std::string_view host, uint16_t port, uint32_t timeout_ms) override;
  core::IoResult send(std::span<const uint8_t> data) override;
  core::IoResult receive(std::span<uint8_t> out, uint32_t timeout_ms) override;
  void close() override;

 private:
  int fd_ = -1;
};

}  // namespace shakedown::sim

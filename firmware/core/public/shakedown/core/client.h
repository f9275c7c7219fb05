#pragma once
// Client: one TLS client handshake over Mbed TLS, through the seams.
//
// The same code runs on the simulator, under QEMU and on the board; only the
// seam backends differ. It includes nothing of an OS.

#include <cstdint>
#include <span>
#include <string_view>

#include "shakedown/core/clock.h"
#include "shakedown/core/entropy.h"
#include "shakedown/core/handshake_report.h"
#include "shakedown/core/log_sink.h"
#include "shakedown/core/transport.h"

namespace shakedown::core {

struct ClientOptions {
  // The server to connect to (a numeric address) and its port.
  std::string_view server_address;
  uint16_t server_port = 0;
  // The name sent as SNI and checked against the server's certificate.
  // Empty: neither (the name check is then skipped).
  std::string_view hostname;
  // Trust anchors: PEM text ending in a NUL byte (counted in the span), or
  // DER, as mbedtls_x509_crt_parse takes them.
  std::span<const uint8_t> ca_certificates;
  uint32_t connect_timeout_ms = 10'000;
  // Bound on each wait for the server; a silent server ends in
  // MBEDTLS_ERR_SSL_TIMEOUT instead of a hang.
  uint32_t read_timeout_ms = 10'000;
  // Mbed TLS debug threshold: 0 silent ... 4 everything; 3 is what field
  // logs usually carry.
  int debug_level = 3;
};

class Client {
 public:
  Client(Transport& transport, Clock& clock, Entropy& entropy, LogSink& log)
      : transport_(transport), clock_(clock), entropy_(entropy), log_(log) {}

  // Loads the trust anchors, connects, runs the handshake to its end and
  // closes the connection with close_notify. Never throws; every outcome
  // is in the report.
  HandshakeReport handshake(const ClientOptions& options);

 private:
  Transport& transport_;
  Clock& clock_;
  Entropy& entropy_;
  LogSink& log_;
};

}  // namespace shakedown::core

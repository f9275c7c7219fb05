#pragma once
// Client: a TLS client session over Mbed TLS, through the seams.
//
// The same code runs on the simulator, under QEMU and on the board; only the
// seam backends differ. It includes nothing of an OS and allocates nothing
// outside Mbed TLS's bounded heap.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "shakedown/core/clock.h"
#include "shakedown/core/entropy.h"
#include "shakedown/core/handshake_report.h"
#include "shakedown/core/heap.h"
#include "shakedown/core/log_sink.h"
#include "shakedown/core/transport.h"

namespace shakedown::core {

enum class TlsVersion : uint8_t { kDefault, kTls1_0, kTls1_1, kTls1_2, kTls1_3 };
enum class AuthMode : uint8_t { kNone, kOptional, kRequired };

struct ClientOptions {
  // The server to connect to (a numeric address) and its port.
  std::string_view server_address;
  uint16_t server_port = 0;
  // The name sent as SNI and checked against the server's certificate.
  // Empty: neither (the name check is then skipped).
  std::string_view hostname;
  // Trust anchors, and optionally the client's own certificate and key: PEM
  // text ending in a NUL byte (counted in the span), or DER.
  std::span<const uint8_t> ca_certificates;
  std::span<const uint8_t> own_certificate;
  std::span<const uint8_t> own_key;
  // A subset of the build's suites, in preference order; empty: all of them.
  std::span<const uint16_t> ciphersuites;
  TlsVersion min_version = TlsVersion::kDefault;
  TlsVersion max_version = TlsVersion::kDefault;
  AuthMode auth_mode = AuthMode::kRequired;
  // Ask the server for records of at most this many bytes: 512, 1024, 2048
  // or 4096; 0 asks for nothing.
  uint16_t max_fragment_length = 0;
  // Bytes of the heap arena Mbed TLS may use; 0: all of it.
  size_t heap_budget = 0;
  uint32_t connect_timeout_ms = 10'000;
  // Bound on each wait for the server; a silent server ends in
  // MBEDTLS_ERR_SSL_TIMEOUT instead of a hang.
  uint32_t read_timeout_ms = 10'000;
  // Sent once the handshake completes, then one reply is awaited, as an
  // application's first exchange: in TLS 1.3 the server judges the client's
  // certificate after the client's Finished, so only this shows its verdict.
  // Empty: no exchange.
  std::span<const uint8_t> first_request;
  // A pre-shared key for TLS 1.2's PSK suites (PSK, DHE-PSK, ECDHE-PSK,
  // RSA-PSK) and TLS 1.3's external PSK, and the identity sent with it, as
  // mbedtls_ssl_conf_psk takes them. Empty: none.
  std::span<const uint8_t> psk;
  std::string_view psk_identity;
  // Mbed TLS debug threshold: 0 silent ... 4 everything; 3 is what field
  // logs usually carry.
  int debug_level = 3;
};

class Client {
 public:
  // Room for one session's Mbed TLS contexts, checked at compile time.
  static constexpr size_t kSessionStorage = 12 * 1024;

  Client(Transport& transport, Clock& clock, Entropy& entropy, LogSink& log, Heap& heap)
      : transport_(transport), clock_(clock), entropy_(entropy), log_(log), heap_(heap) {}
  ~Client() { close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Loads the trust anchors, connects and runs the handshake to its end.
  // On success (stage kDone) the session stays open for write() and read()
  // until close(); otherwise everything is released already. A session
  // still open is closed first.
  HandshakeReport connect(const ClientOptions& options);

  // Application data over the open session: bytes moved, or a negative
  // Mbed TLS code. read() returns 0 when the server closed the session; it
  // reads through post-handshake messages (session tickets) within
  // timeout_ms, and MBEDTLS_ERR_SSL_TIMEOUT when no data came in that time.
  int write(std::span<const uint8_t> data);
  int read(std::span<uint8_t> out, uint32_t timeout_ms);

  // Sends close_notify, closes the transport and releases the session and
  // its heap. Safe to call at any time.
  void close();
  bool is_open() const { return session_ != nullptr; }

 private:
  struct Session;
  // Everything from seeding to the handshake's end, into `report`.
  void establish(const ClientOptions& options, HandshakeReport& report);
  // Writes the first request and reads the reply's first bytes.
  void exchange_first(const ClientOptions& options, HandshakeReport& report);
  // Adds the fatal alert a read after the handshake ended on, if it did.
  void note_alert(int read_result, HandshakeReport& report);
  void log_outcome(const HandshakeReport& report);
  void release();

  Transport& transport_;
  Clock& clock_;
  Entropy& entropy_;
  LogSink& log_;
  Heap& heap_;
  Session* session_ = nullptr;  // constructed in storage_
  alignas(16) std::byte storage_[kSessionStorage];
};

}  // namespace shakedown::core

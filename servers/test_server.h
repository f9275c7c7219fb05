#pragma once
// TestServer: one scripted OpenSSL 3 TLS endpoint on 127.0.0.1:<ephemeral>.
//
// OpenSSL runs over memory BIOs and Asio carries the bytes, so the server
// decides what reaches the wire: it records every record it writes, and on a
// failed handshake it can send OpenSSL's alert, close, or reset the TCP
// connection instead (as the field's cloud server did).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "capture.h"
#include "pki.h"
#include "pre_shared_key.h"

namespace shakedown::servers {

enum class OnHandshakeFailure { kAlert, kReset, kClose };

// What the server does once it has read the ClientHello: negotiate, or
// break off on purpose as some field servers do.
enum class AfterClientHello {
  kNegotiate,
  kReset,    // TCP reset, no alert
  kClose,    // close without an alert
  kSilence,  // keep the connection open and answer nothing
  kAlert,    // a fatal alert with `alert_description`, then close
};

enum class ClientAuth { kNone, kRequest, kRequire };

struct EndpointConfig {
  // "tls1.0" ... "tls1.3".
  std::string min_version = "tls1.2";
  std::string max_version = "tls1.3";
  // OpenSSL names of the TLS 1.2-and-below suites it accepts, e.g.
  // "ECDHE-RSA-AES256-GCM-SHA384"; empty: OpenSSL's defaults.
  std::vector<std::string> ciphersuites;
  // TLS 1.3 suites it accepts, e.g. "TLS_AES_128_GCM_SHA256"; empty:
  // OpenSSL's defaults.
  std::vector<std::string> tls13_ciphersuites;
  // Signature algorithms it may sign with, in OpenSSL's list form (e.g.
  // "RSA+SHA256:ECDSA+SHA256"); empty: OpenSSL's defaults.
  std::string signature_algorithms;
  // Named groups for key exchange in OpenSSL's list form ("P-256:X25519");
  // empty: OpenSSL's defaults.
  std::string groups;
  OnHandshakeFailure on_handshake_failure = OnHandshakeFailure::kAlert;
  // The alert that refuses a ClientHello's versions, where OpenSSL would send
  // protocol_version (70): some servers send another (gnutls-serv sends
  // handshake_failure to a TLS 1.2 ClientHello when it allows TLS 1.3 only),
  // and a replica of them must too. nullopt: OpenSSL's.
  std::optional<uint8_t> version_refusal_alert;
  AfterClientHello after_client_hello = AfterClientHello::kNegotiate;
  uint8_t alert_description = 40;  // for AfterClientHello::kAlert
  // Pause before sending the record that starts with this handshake message
  // type (e.g. 11, Certificate); -1: no pause.
  int stall_before = -1;
  std::chrono::milliseconds stall_for{0};
  // Split the server's plaintext handshake records into records of at most
  // this many bytes; 0: as OpenSSL writes them (up to 16 KB).
  size_t record_size = 0;
  // Send at most this many bytes at a time, waiting `dribble_every` between
  // them; 0: all at once.
  size_t dribble_bytes = 0;
  std::chrono::milliseconds dribble_every{0};
  bool session_tickets = true;
  // A pre-shared key: accepted for the PSK, DHE-PSK, ECDHE-PSK and RSA-PSK
  // suites of TLS 1.2, and in TLS 1.3 as an external PSK (with
  // TLS_AES_128_GCM_SHA256, as OpenSSL does for a TLS 1.2-style PSK). A
  // client naming another identity is refused as OpenSSL refuses it
  // (unknown_psk_identity in TLS 1.2; TLS 1.3 falls back to the certificate).
  std::optional<PreSharedKey> psk;
  // Send the plaintext handshake in records of up to 16 KB whatever max
  // fragment length the client asked for. OpenSSL still agrees to the
  // extension in its ServerHello; the records then break that promise, as
  // servers that ignore the extension effectively do.
  bool ignore_max_fragment_length = false;
  // Ask for a client certificate; `client_ca` is the chain whose root the
  // server trusts and names in its CertificateRequest.
  ClientAuth client_auth = ClientAuth::kNone;
  const Chain* client_ca = nullptr;
  // Certificates chosen by SNI: a ClientHello naming one of these gets its
  // chain; others get `chain`. With require_sni, a ClientHello without a
  // known name is refused with unrecognized_name (112).
  struct NamedChain {
    std::string server_name;
    const Chain* chain = nullptr;
  };
  std::vector<NamedChain> sni_chains;
  bool require_sni = false;
  // The chain: the leaf's key signs; these certificates (indices into the
  // chain, leaf first) are sent. Empty: the leaf and every intermediate.
  const Chain* chain = nullptr;
  std::vector<size_t> send;
  // When set, each connection leaves connection-<n>.pcap (synthesized TCP/IP
  // around the real bytes) and connection-<n>.keys (SSLKEYLOGFILE lines)
  // here, for Wireshark.
  std::filesystem::path capture_dir;
  // Bound on every wait for the client.
  std::chrono::milliseconds idle_timeout{10'000};
};

class TestServer {
 public:
  // Builds the TLS context; throws std::runtime_error for a config OpenSSL
  // refuses, naming the field.
  explicit TestServer(const EndpointConfig& config);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  // Listens on 127.0.0.1 on a port the kernel picks, serving on a thread of
  // its own. Returns the port.
  uint16_t start();
  // Closes every connection and joins the thread. Idempotent.
  void stop();

  // The suites it would negotiate with its certificate (and its PSK, if it
  // has one), TLS 1.2 and below.
  const std::vector<SuiteName>& accepted_suites() const { return accepted_; }

  // Copies of the finished connections' captures.
  std::vector<ConnectionCapture> captures() const;
  // Waits until `count` connections have finished, at most `timeout`.
  bool wait_for_captures(size_t count, std::chrono::milliseconds timeout) const;

  struct Impl;  // defined in test_server.cc
  // Called by a finished connection, on the server's thread.
  void record(ConnectionCapture capture);

 private:
  std::unique_ptr<Impl> impl_;
  std::vector<SuiteName> accepted_;
  mutable std::mutex mutex_;
  mutable std::condition_variable finished_;
  std::vector<ConnectionCapture> captures_;
};

}  // namespace shakedown::servers

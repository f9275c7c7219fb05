#pragma once
// What a test server saw of one connection: the client's ClientHello, the
// records it sent back, its own verdict, and how the connection ended.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace shakedown::servers {

// The ClientHello as the server parsed it.
struct ClientHelloCapture {
  uint16_t legacy_version = 0;
  std::vector<uint16_t> supported_versions;    // extension 43; empty when absent
  std::vector<uint16_t> cipher_suites;         // as offered, signalling values included
  std::vector<uint16_t> groups;                // extension 10 (supported_groups)
  std::vector<uint16_t> signature_algorithms;  // extension 13
  std::string server_name;                     // SNI; empty when absent
  int max_fragment_length = 0;                 // bytes asked for (extension 1); 0 when absent
  std::vector<std::string> alpn;               // extension 16
  bool session_ticket = false;                 // extension 35 present
  std::vector<int> extensions;                 // extension types, in order
};

// One TLS record on the wire.
struct RecordSeen {
  uint8_t content_type = 0;  // 22 handshake, 21 alert, 20 ChangeCipherSpec, 23 data
  size_t length = 0;         // the record's payload length
  int handshake_type = -1;   // first handshake message in a plaintext handshake record
  bool encrypted = false;    // after its sender's ChangeCipherSpec
  double at_ms = 0;          // when its header crossed the wire, from the TCP accept
};

// A plaintext handshake message, in the order it crossed the wire.
struct HandshakeMessage {
  bool from_server = false;
  uint8_t type = 0;
  size_t length = 0;  // of its body
  size_t record = 0;  // the record its header came in: an index into its direction's records
  double at_ms = 0;   // when its header crossed the wire, from the TCP accept
};

struct AlertSeen {
  bool from_server = false;
  uint8_t level = 0;        // 1 warning, 2 fatal
  uint8_t description = 0;  // e.g. 40 handshake_failure
  double at_ms = 0;         // from the TCP accept
};

enum class ConnectionEnd {
  kHandshakeDone,    // handshake completed
  kMisbehaved,       // the server broke off on purpose (reset, close, silence, alert)
  kFailedWithAlert,  // OpenSSL failed the handshake and its alert was sent
  kFailedWithReset,  // failed; the server reset the TCP connection instead
  kFailedWithClose,  // failed; the server closed without an alert
  kClientClosed,     // the client went away mid-handshake
  kTimedOut,         // the client went silent
};

const char* connection_end_name(ConnectionEnd end);

struct ConnectionCapture {
  std::optional<ClientHelloCapture> client_hello;
  std::vector<RecordSeen> records_sent;
  std::vector<RecordSeen> records_received;
  std::vector<HandshakeMessage> transcript;  // both directions, plaintext messages only
  std::vector<AlertSeen> alerts;             // plaintext alerts, both directions
  std::string behaviour;                     // what the server did on purpose, if anything
  std::string pcap_path;                     // with EndpointConfig::capture_dir: the connection's
  std::string key_log_path;                  // pcap and its SSLKEYLOGFILE
  ConnectionEnd end = ConnectionEnd::kClientClosed;
  std::string verdict;  // OpenSSL's reason, e.g. "no shared cipher"; empty on success
  std::string negotiated_version;
  std::string negotiated_suite;  // IANA name
  uint16_t negotiated_signature = 0;  // the scheme the server signed with; 0: none
  double end_ms = 0;                  // when the connection ended (closed, reset, timed out), from the TCP accept
  bool client_reset = false;          // the client's side ended with a TCP reset, not a close

  // The largest record the server sent, with its first handshake message type.
  const RecordSeen* largest_record() const;
};

// A cipher suite by its IANA id and names, as OpenSSL names it (the
// accepted-suite lists are filled from OpenSSL itself).
struct SuiteName {
  uint16_t id = 0;
  std::string openssl_name;  // "ECDHE-RSA-AES256-GCM-SHA384"; empty if OpenSSL lacks it
  std::string iana_name;     // "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"; empty if OpenSSL lacks it
};

}  // namespace shakedown::servers

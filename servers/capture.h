#pragma once
// What a test server saw of one connection: the client's ClientHello, the
// records it sent back, its own verdict, and how the connection ended.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace shakedown::servers {

struct ClientHelloCapture {
  uint16_t legacy_version = 0;
  std::vector<uint16_t> cipher_suites;  // as offered, signalling values included
  std::string server_name;              // SNI; empty when absent
  std::vector<int> extensions;          // extension types, in order
};

// One TLS record the server wrote.
struct RecordSent {
  uint8_t content_type = 0;  // 22 handshake, 21 alert, ...
  size_t length = 0;         // the record's payload length
  int handshake_type = -1;   // first handshake message in a plaintext handshake record
};

enum class ConnectionEnd {
  kHandshakeDone,    // handshake completed
  kFailedWithAlert,  // OpenSSL failed the handshake and its alert was sent
  kFailedWithReset,  // failed; the server reset the TCP connection instead
  kFailedWithClose,  // failed; the server closed without an alert
  kClientClosed,     // the client went away mid-handshake
  kTimedOut,         // the client went silent
};

const char* connection_end_name(ConnectionEnd end);

struct ConnectionCapture {
  std::optional<ClientHelloCapture> client_hello;
  std::vector<RecordSent> records_sent;
  ConnectionEnd end = ConnectionEnd::kClientClosed;
  std::string verdict;  // OpenSSL's reason, e.g. "no shared cipher"; empty on success
  std::string negotiated_version;
  std::string negotiated_suite;  // IANA name

  // The largest record the server sent, with its first handshake message type.
  const RecordSent* largest_record() const;
};

// A cipher suite by its IANA id and names.
struct SuiteName {
  uint16_t id = 0;
  std::string openssl_name;  // "ECDHE-RSA-AES256-GCM-SHA384"; empty if OpenSSL lacks it
  std::string iana_name;     // "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"; empty if OpenSSL lacks it
};

// Names for any suite OpenSSL knows (every suite it implements, enabled or
// not); only the id for others.
SuiteName suite_name(uint16_t id);

// TLS_EMPTY_RENEGOTIATION_INFO_SCSV and TLS_FALLBACK_SCSV: signals, not suites.
bool is_signalling_suite(uint16_t id);

// Names of handshake message types (RFC 8446 4), e.g. 11 -> "Certificate".
const char* handshake_type_name(int type);

}  // namespace shakedown::servers

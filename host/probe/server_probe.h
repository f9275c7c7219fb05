#pragma once
// What a live TLS server accepts and how it refuses, learned as a client and
// nothing more: one bounded handshake at a time with OpenSSL as the prober,
// each offering a little less than the one before (as server scanners do).
// `shakedown probe` prints it; a test server can later be set up to behave
// the same.
//
// Bounds: at most `max_handshakes` handshakes, one connection at a time,
// each within `timeout`; stopping (the stop token) keeps what was learned.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace shakedown::probe {

// How a server said no to one ClientHello.
struct Refusal {
  enum class Kind { kNone, kAlert, kClose, kReset, kTimeout, kNoConnection, kOther };
  Kind kind = Kind::kNone;
  int alert = -1;      // kAlert: the alert's description
  std::string detail;  // kOther: OpenSSL's words
};
// "alert 40 (handshake_failure)", "a TCP reset", "a close", ...
std::string describe(const Refusal& refusal);

struct CertificateSeen {
  std::string subject;
  std::string issuer;
  std::string key;           // "RSA 2048", "EC P-256"
  std::string signature;     // "sha256WithRSAEncryption"
  std::string not_after;     // "Jan  1 00:00:00 2030 GMT"
  int days_since_start = 0;  // since notBefore, as the probe ran
  int days_left = 0;         // until notAfter (negative: expired)
  std::vector<std::string> dns_names;
};

struct VersionSeen {
  std::string version;  // "TLSv1.2"
  bool accepted = false;
  Refusal refusal;               // when not accepted
  std::vector<uint16_t> suites;  // accepted, in the order the server chose them
  // It picks by its own order, not the client's; nullopt with fewer than two suites.
  std::optional<bool> server_order;
};

struct ProbeResult {
  std::string server;  // HOST:PORT as given
  bool reachable = false;
  Refusal first_contact;  // when not reachable with a default ClientHello
  std::vector<VersionSeen> versions;
  std::vector<std::string> groups;             // key exchange groups accepted (OpenSSL's names)
  std::vector<std::string> signature_schemes;  // accepted one at a time (TLS 1.2 names)
  std::vector<CertificateSeen> chain;          // as sent, leaf first
  // With ProbeOptions::ca_file: whether it anchors that chain, and if not, OpenSSL's words for why.
  std::optional<bool> anchored;
  std::string unanchored_because;
  std::optional<bool> sni_required;
  Refusal without_sni;    // when it is required
  Refusal suite_refusal;  // a ClientHello with no suite it accepts
  bool certificate_requested = false;
  std::vector<std::string> client_ca_names;  // named in its CertificateRequest (RFC 2253); may be none
  bool session_ticket = false;
  bool hello_retry_request = false;
  std::optional<bool> max_fragment_length;  // honoured (512 asked)
  size_t largest_record = 0;                // bytes of a record's body, from the server
  size_t largest_handshake_message = 0;     // bytes with its 4-byte header
  int handshakes = 0;
  bool stopped = false;             // the bound or a stop ended it early
  std::vector<std::string> unseen;  // what the prober could not see, and why
};

struct ProbeOptions {
  std::string address;  // IPv4
  uint16_t port = 0;
  std::string servername;  // SNI; empty: none
  std::string ca_file;     // the user's trust, checked against the chain; empty: not checked
  int max_handshakes = 200;
  std::chrono::milliseconds timeout{5000};
  std::stop_token stop;
  std::function<void(int handshakes, const std::string& step)> progress;  // may be empty
};

ProbeResult probe_server(const ProbeOptions& options);

}  // namespace shakedown::probe

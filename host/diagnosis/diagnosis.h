#pragma once
// Diagnosis: rules that join what the client reported, what the test server
// saw, and what the client was built with, into findings. A finding says in
// one sentence what is wrong and which line fixes it.

#include <optional>
#include <string>
#include <vector>

#include "capture.h"
#include "client_report.h"
#include "findings.h"
#include "pre_shared_key.h"
#include "shakedown/tls/version.h"

namespace shakedown::diagnosis {

// One certificate of the scenario's chain, as the diagnosis needs it.
struct CertInfo {
  std::string role;  // "root", "intermediate 1", "leaf"
  std::string subject;
  std::string key_type;  // "RSA", "EC"
  int key_bits = 0;
  std::string signature_algorithm;  // "sha1WithRSAEncryption"
  std::string signature_hash;       // "sha1"
  size_t der_size = 0;
  bool trusted_by_client = false;
  std::optional<size_t> sent_position;  // its place in the server's Certificate message (0: first); none: not sent
  bool sent_by_server() const { return sent_position.has_value(); }
  std::string not_after;               // "2026-11-28 18:15:03 UTC"
  std::vector<std::string> dns_names;  // its subjectAltName DNS entries
  std::optional<int> path_length;      // a CA's pathLenConstraint; none: absent or not known
};

struct ServerView {
  std::vector<servers::SuiteName> accepted_suites;
  std::vector<CertInfo> chain;                           // root first
  std::optional<servers::ConnectionCapture> connection;  // none: the client never got that far
  tls::Version min_version = tls::Version::kTls1_2;      // what the server allows
  tls::Version max_version = tls::Version::kTls1_3;
  std::vector<uint16_t> groups;  // its named groups; empty: OpenSSL's defaults
  // Its signature algorithms in OpenSSL's list form ("RSA+SHA256:RSA-PSS+SHA256");
  // empty: OpenSSL's defaults.
  std::string signature_algorithms;
  // Its pre-shared key; none: it has none, or (explain) it is not known.
  std::optional<servers::PreSharedKey> psk;
  // False when nothing is known of the server (`shakedown explain` reads
  // only the client's log): the rules then reason from the client's side
  // and may give several candidates, most likely first.
  bool known = true;
};

// How the client was configured at run time (beyond its build).
struct ClientSetup {
  std::string hostname;
  std::string time = "now";  // now, unset, or seconds since 1970
  uint8_t auth_mode = 2;     // 0 none, 1 optional, 2 required
  // The pre-shared key it was given; identity empty: none, or (explain) not known.
  std::string psk_identity = {};
  std::vector<uint8_t> psk_key = {};
};

struct Evidence {
  const device::ClientReport& client;
  const device::BuildFacts& build;
  const ServerView& server;
  std::string profile_file;  // where the profile lives, for the fix: "firmware/configs/field-2x.h"
  ClientSetup setup = {};
  // What the client's own debug log shows beyond its report, when the
  // evidence is a log (`shakedown explain`); null otherwise.
  const struct ClientLogView* log = nullptr;
};

struct ClientLogView {
  std::optional<servers::ClientHelloCapture> client_hello;  // from its text lines or a record dump
  size_t largest_handshake_message = 0;  // bytes (hslen) of the largest handshake message it began to read
  bool certificate_requested = false;    // the server sent a CertificateRequest
  bool sent_no_certificate = false;      // and the client answered without one
  bool clock_known = false;              // the log shows the clock the client used
  bool state_shown = false;              // the log prints the client's handshake state
  // Mbed TLS's own words where sizes are missing (newlib-nano prints "zu"
  // for them): a record larger than the buffer, a message split over
  // records it is reassembling, a split it cannot handle (2.x), a record
  // shorter than a handshake header.
  bool input_overflow = false;             // "requesting more data than fits"
  bool reassembling = false;               // "waiting for more handshake fragments"
  bool fragmentation_unsupported = false;  // "TLS handshake fragmentation not supported"
  bool message_too_short = false;          // "handshake message too short"
};

// The versions a ClientHello offered: its supported_versions, else every
// version up to its legacy field.
std::vector<uint16_t> offered_versions(const servers::ClientHelloCapture& hello);

struct Finding {
  FindingId id;         // declared in findings.def; finding_name(id) is its text id
  std::string summary;  // one sentence: what is wrong
  std::vector<std::string> evidence;
  std::string fix;  // the config line or server change that fixes it
};

// The findings for one handshake, most specific first. Empty for a clean
// pass; a failure no rule explains gives exactly one FindingId::kUnexplained.
// With an unknown server, a refusal of the ClientHello gives its candidate
// causes in order of likelihood, the first being the primary finding.
std::vector<Finding> diagnose(const Evidence& evidence);

}  // namespace shakedown::diagnosis

#pragma once
// What a diagnosis rule is, and the questions about the evidence that the
// rule families share. Each family (negotiation, certificates, resources,
// server behaviour, log only) keeps its rules beside a table that registers
// each with its band and the sources it reads; diagnose() applies them in
// band order. Internal to the diagnosis module.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "diagnosis.h"
#include "findings.h"
#include "shakedown/tls/alert.h"
#include "shakedown/tls/mbedtls_line.h"
#include "shakedown/tls/version.h"

namespace shakedown::diagnosis {

// Where a rule's findings come: lower bands first, so the first finding is
// the primary one. Rules of one band keep the order of their family's table
// (every band belongs to one family, so the order never depends on how the
// families are joined).
enum class Band : uint8_t {
  kRefusalCandidates,              // a refused ClientHello's candidate causes, from a log (server behaviour)
  kTrustLoad,                      // the trust list does not load (certificates)
  kTrustLoadFromLog,               // the same, read from a log (log only)
  kKeySize,                        // a key the build cannot take: too large, or on a curve it lacks (certificate keys)
  kKeySizeFromLog,                 // the same, read from a log (log only)
  kFromLog,                        // causes a log shows in Mbed TLS's own words (log only)
  kBuffers,                        // records and messages larger than the input buffer (resources)
  kHeap,                           // the heap ran out (resources)
  kCertificates,                   // the server's chain does not verify (certificates)
  kCertificateAlternativeFromLog,  // what else a log's unverified chain may mean (log only)
  kPreSharedKey,                   // a PSK identity or key the server does not hold (pre-shared key)
  kServerDemands,                  // SNI or a client certificate the server requires (server behaviour)
  kNegotiation,                    // no suite, group, version or signature both sides take (negotiation)
  kRefusedWithoutReason,           // a reset, close or alert the server gives no reason for (server behaviour)
  kFragmentation,                  // handshake messages split over records (resources)
  kHostnameNotSet,                 // no hostname to check (certificates)
  kTimeout,                        // the server went silent (server behaviour)
  kVerifyWarning,                  // a handshake that passed an unverified chain (certificates)
  kLegacyWarning,                  // a handshake that passed on a deprecated version (negotiation)
};

// The sources a rule reads.
enum class Sources : uint8_t {
  kRun,       // the server's side of a run: not applied when only the client's log is known
  kLog,       // only the client's log (`shakedown explain`): not applied when the server's side is known
  kRunOrLog,  // the client's side, whether or not the server's is known
};

// Whether a rule's findings stand beside the others' or replace those of
// the same ids (alternatives that say more than the generic reading).
enum class Overlap : uint8_t { kAdds, kReplacesSameIds };

class FindingSet {
 public:
  constexpr FindingSet() = default;
  constexpr FindingSet(std::initializer_list<FindingId> ids) {
    for (FindingId id : ids) bits_ |= bit(id);
  }
  constexpr bool contains(FindingId id) const { return (bits_ & bit(id)) != 0; }
  constexpr void add(FindingId id) { bits_ |= bit(id); }

 private:
  static_assert(kFindingCount <= 64, "FindingSet holds one bit per finding");
  static constexpr uint64_t bit(FindingId id) { return uint64_t{1} << static_cast<unsigned>(id); }
  uint64_t bits_ = 0;
};

struct Rule {
  std::string_view name;  // its function's name: tests find a rule by it
  Band band;
  Sources sources;
  FindingSet produces;                             // every finding it may give
  std::vector<Finding> (*fires)(const Evidence&);  // its findings for the evidence, most likely first
  Overlap overlap = Overlap::kAdds;
};

// A rule of at most one finding, as a Rule's `fires`.
template <std::optional<Finding> (*rule)(const Evidence&)>
std::vector<Finding> one(const Evidence& e) {
  std::vector<Finding> out;
  if (auto f = rule(e)) out.push_back(std::move(*f));
  return out;
}

// The families, each in its own file.
std::span<const Rule> negotiation_rules();
std::span<const Rule> trust_list_rules();
std::span<const Rule> certificate_rules();
std::span<const Rule> certificate_key_rules();
std::span<const Rule> resource_rules();
std::span<const Rule> server_behaviour_rules();
std::span<const Rule> log_only_rules();
std::span<const Rule> pre_shared_key_rules();

// Every rule, in the order diagnose() applies them.
std::vector<Rule> all_rules();

// ---- Questions about the evidence that several families ask ----

// Mbed TLS's state while it waits for the ServerHello (same on both lines).
constexpr int kStateServerHello = 2;

// The facts of the build's Mbed TLS line; a line the build does not name
// gets the newest line's.
tls::MbedtlsLine mbedtls_line(const Evidence& e);
// The config macros of the versions the build's line can enable
// ("MBEDTLS_SSL_PROTO_TLS1_2 / MBEDTLS_SSL_PROTO_TLS1_3" on 3.x), and the
// calls that bound them at run time, as that line names them.
std::string version_macros(const Evidence& e);
std::string version_calls(const Evidence& e);
// The magnitude of the client's (negative) result; 0 for success.
uint32_t magnitude(const device::ClientReport& c);
// Only the client's side is known (`shakedown explain`: a log, no server).
bool client_side_only(const Evidence& e);
// Whether the build has a signature hash ("sha1", "sha256", ...).
bool hash_enabled(const std::string& hash, const device::BuildFacts& b);
// The config change that gives the input buffer `size` bytes:
// "#define MBEDTLS_SSL_IN_CONTENT_LEN 4096"; on 2.x, where
// MBEDTLS_SSL_MAX_CONTENT_LEN caps that buffer and a lower one fails the
// build, it is raised too, and the output buffer held at its size.
std::string input_buffer_change(const Evidence& e, size_t size);
// The chain's verify flags, or 0 when verification never ran (Mbed TLS
// reports all ones then).
uint32_t verify_flags(const Evidence& e);
bool received_alert(const Evidence& e, uint8_t description);
// "O=shakedown, CN=name" (Mbed TLS) and "/O=shakedown/CN=name" (OpenSSL)
// name the same certificate; compare the common names.
std::string common_name(std::string_view dn);
// The server's certificate that should have signed the top of the chain the
// client verified (by common name): sent by the server or trusted, but not
// in the chain as verified. Null when there is none.
const CertInfo* issuer_of_top(const Evidence& e);

}  // namespace shakedown::diagnosis

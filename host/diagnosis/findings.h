#pragma once
// The findings shakedown knows, each declared once in findings.def. Code
// names a finding by its FindingId, so a misspelt id does not compile; the
// text id (no-shared-ciphersuite) is derived from the declaration where a
// finding is written out (text, JSON, YAML) and parsed through it where one
// is read (a scenario's `expect: finding:`).

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string_view>

namespace shakedown::diagnosis {

enum class FindingId : uint8_t {
#define FINDING(name, ...) name,
#include "findings.def"
#undef FINDING
};

constexpr size_t kFindingCount = 0
#define FINDING(...) +1
#include "findings.def"
#undef FINDING
    ;

// kFailure: a cause of a failed handshake. kWarning: a risk that comes with
// a completed handshake (a reproducer then expects a pass).
enum class Severity : uint8_t { kFailure, kWarning };

// The kinds of log fact a finding may rest on: `shakedown explain` cites the
// log lines behind them.
enum class LogFact : uint8_t {
  kResult,        // the failing call and its code
  kState,         // the last handshake state
  kClientHello,   // what the ClientHello offered
  kSuites,        // the suites it offered
  kClock,         // the clock the client used
  kHostname,      // SNI / hostname
  kAlertIn,       // alerts received
  kAlertOut,      // alerts sent
  kRecords,       // records received (sizes)
  kCertificates,  // the server's certificates as parsed
  kVerify,        // verify flags
  kTrust,         // the trust chain as loaded
  kHeap,          // an allocation that failed
  kVersion,       // versions offered or negotiated
};

class LogFactSet {
 public:
  constexpr LogFactSet(std::initializer_list<LogFact> facts) {
    for (LogFact f : facts) bits_ |= bit(f);
  }
  constexpr bool contains(LogFact f) const { return (bits_ & bit(f)) != 0; }

 private:
  static constexpr uint32_t bit(LogFact f) { return 1u << static_cast<unsigned>(f); }
  uint32_t bits_ = 0;
};

// The sets findings cite, named by what they are about.
namespace cites {
constexpr LogFactSet kSuites{LogFact::kSuites, LogFact::kAlertIn, LogFact::kState, LogFact::kResult};
constexpr LogFactSet kClientHello{LogFact::kClientHello, LogFact::kHostname, LogFact::kAlertIn, LogFact::kState,
                                  LogFact::kResult};
constexpr LogFactSet kVersion{LogFact::kVersion, LogFact::kAlertIn, LogFact::kResult};
constexpr LogFactSet kOffer{LogFact::kClientHello, LogFact::kAlertIn, LogFact::kResult};
constexpr LogFactSet kCertificates{LogFact::kCertificates, LogFact::kVerify, LogFact::kClock,
                                   LogFact::kHostname,     LogFact::kTrust,  LogFact::kResult};
constexpr LogFactSet kTrust{LogFact::kTrust, LogFact::kCertificates, LogFact::kResult};
constexpr LogFactSet kRecords{LogFact::kRecords, LogFact::kState, LogFact::kResult};
constexpr LogFactSet kHeap{LogFact::kHeap, LogFact::kResult};
constexpr LogFactSet kOutcome{LogFact::kState, LogFact::kAlertIn, LogFact::kAlertOut, LogFact::kResult};
}  // namespace cites

struct Citation {
  LogFactSet facts;
  LogFactSet facts_with_certificates;  // when the log shows the server's certificates
};
constexpr Citation cite(LogFactSet facts) {
  return {facts, facts};
}
constexpr Citation cite(LogFactSet facts, LogFactSet with_certificates) {
  return {facts, with_certificates};
}

// kCandidate: a cause that may be offered, among others, when a server
// refuses the ClientHello and only the client's log is known.
enum class Refusal : uint8_t { kNotACandidate, kCandidate };

// How `shakedown explain` rebuilds the server behind a finding from a log.
enum class ServerRecipe : uint8_t {
  kNone,               // the log does not say enough to rebuild that server
  kTls12,              // a TLS 1.2 server
  kNegotiatedVersion,  // a server of the version the log negotiated (TLS 1.3, else 1.2)
  kSuiteNotOffered,    // a TLS 1.2 server of a suite the client did not offer, ending as the log shows
  kVersionNotOffered,  // a server of a version the client did not offer; the client keeps its versions
};
enum class ChainRecipe : uint8_t {
  kAsLogged,             // root and leaf with the key type the log shows
  kRsa,                  // root and leaf with RSA keys
  kLeafNamesOtherHost,   // a leaf for another name
  kLeafExpired,          // a leaf past its validity
  kIntermediateNotSent,  // root, intermediate and leaf; the server does not send the intermediate
};
enum class ClientClock : uint8_t { kAsLogged, kUnset };

struct Reproducer {
  ServerRecipe server = ServerRecipe::kNone;
  std::string_view server_lines;  // YAML lines under `server:` after its versions
  ChainRecipe chain = ChainRecipe::kAsLogged;
  ClientClock clock = ClientClock::kAsLogged;
  std::string_view client_lines;  // YAML lines under `client:` after its clock
};
constexpr Reproducer reproduce(ServerRecipe server, std::string_view server_lines = "",
                               ChainRecipe chain = ChainRecipe::kAsLogged, ClientClock clock = ClientClock::kAsLogged,
                               std::string_view client_lines = "") {
  return {server, server_lines, chain, clock, client_lines};
}
constexpr Reproducer kNoReproducer{};

struct FindingDeclaration {
  FindingId id;
  std::string_view name;  // its text id
  Severity severity;
  Citation cites;
  Refusal refusal;
  Reproducer reproducer;
};

// Every declaration, in FindingId order.
inline constexpr FindingDeclaration kFindingDeclarations[] = {
#define FINDING(name, id, severity, cites, refusal, reproducer) \
  {FindingId::name, id, severity, cites, refusal, reproducer},
#include "findings.def"
#undef FINDING
};

constexpr const FindingDeclaration& declaration(FindingId id) {
  return kFindingDeclarations[static_cast<size_t>(id)];
}
constexpr std::string_view finding_name(FindingId id) {
  return declaration(id).name;
}
// The finding a text id names; none for an unknown id.
std::optional<FindingId> parse_finding(std::string_view name);

// Every text id, and whether a text names a finding (a scenario's
// expectation is checked so when it is loaded).
std::span<const std::string_view> known_finding_ids();
bool is_known_finding(std::string_view id);

}  // namespace shakedown::diagnosis

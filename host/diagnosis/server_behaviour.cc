// Server behaviour: what the server demands (SNI, a client certificate)
// and how it ends a handshake it will not finish (a reset, a close, an alert,
// silence), with the candidate causes when only the client's log shows a
// refused ClientHello.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "mbedtls_codes.h"
#include "rules.h"
#include "shakedown/tls/cipher_suite.h"
#include "shakedown/tls/named_group.h"
#include "shared_sets.h"
#include "wording.h"

namespace shakedown::diagnosis {
namespace {

// TLS 1.3: the CertificateRequest is encrypted, and the server rejects the
// client's empty Certificate only after the client's Finished, so the
// client's handshake completes and its first exchange meets alert 116 (seen when
// the scenario makes a first exchange, foretold when it does not).
std::optional<Finding> client_certificate_required_after_handshake(const Evidence& e) {
  if (!e.client.handshake_completed() || !e.server.connection) return std::nullopt;
  const auto& conn = *e.server.connection;
  if (conn.end != servers::ConnectionEnd::kFailedWithAlert ||
      conn.verdict.find("did not return a certificate") == std::string::npos) {
    return std::nullopt;
  }
  const bool exchange_failed = !e.client.passed();
  std::string ca = e.server.chain.empty() ? "its CA" : "'" + e.server.chain.front().subject + "'";
  std::vector<std::string> evidence{fmt::format("client: handshake completed on {}", e.client.version)};
  if (exchange_failed) evidence.push_back(client_line(e));
  if (received_alert(e, codes::kAlertCertificateRequired)) {
    evidence.push_back("client: received alert 116 (certificate_required) after the handshake");
  }
  evidence.push_back(fmt::format("server: failed the handshake after the client's Finished: {}", conn.verdict));
  return Finding{FindingId::kClientCertificateRequired,
                 fmt::format("The server requires a client certificate (mutual TLS) and the device sent none: over "
                             "{} the device's handshake completes, then the server refuses the connection "
                             "(certificate_required, 116) and the device's first exchange {}. It accepts "
                             "certificates issued by {}.",
                             e.client.version, exchange_failed ? "fails" : "will fail", ca),
                 std::move(evidence),
                 fmt::format("Give the device a certificate and key issued by {} (mbedtls_ssl_conf_own_cert).", ca)};
}

std::optional<Finding> client_certificate_required(const Evidence& e) {
  if (e.client.passed() || !e.server.connection) return std::nullopt;
  const auto& t = e.server.connection->transcript;
  const bool requested = std::any_of(t.begin(), t.end(), [](const auto& m) { return m.from_server && m.type == 13; });
  // An empty Certificate message from the client: a 3-byte empty list (TLS 1.2).
  const bool sent_none =
      std::any_of(t.begin(), t.end(), [](const auto& m) { return !m.from_server && m.type == 11 && m.length <= 4; });
  // The premise: the client reached its answer to the request (it sent a
  // Certificate message, or the server names its certificate as the cause).
  const bool answered = std::any_of(t.begin(), t.end(), [](const auto& m) { return !m.from_server && m.type == 11; });
  if (!requested || (!answered && e.server.connection->verdict.find("certificate") == std::string::npos)) {
    return std::nullopt;
  }
  std::string ca = e.server.chain.empty() ? "its CA" : "'" + e.server.chain.front().subject + "'";
  return Finding{FindingId::kClientCertificateRequired,
                 fmt::format("The server requires a client certificate (mutual TLS) and the device {}; it accepts "
                             "certificates issued by {}.",
                             sent_none ? "sent none" : "did not send one it accepts", ca),
                 {client_line(e), "server: sent a CertificateRequest",
                  fmt::format("server: OpenSSL's verdict: {}", e.server.connection->verdict)},
                 fmt::format("Give the device a certificate and key issued by {} (mbedtls_ssl_conf_own_cert).", ca)};
}

std::optional<Finding> sni_required(const Evidence& e) {
  if (e.client.passed() || !received_alert(e, codes::kAlertUnrecognizedName)) return std::nullopt;
  const bool sent_name = e.server.connection && e.server.connection->client_hello &&
                         !e.server.connection->client_hello->server_name.empty();
  return Finding{FindingId::kSniRequired,
                 fmt::format("The server picks its certificate by the name the client asks for (SNI), and the "
                             "client {}; it answered unrecognized_name (112).",
                             sent_name ? "asked for a name it does not serve" : "asked for none"),
                 {client_line(e), "client: received alert 112 (unrecognized_name)"},
                 "Set the server's name on the device: mbedtls_ssl_set_hostname(&ssl, \"<server name>\"), which "
                 "also turns on the name check."};
}

std::optional<Finding> rejected_after_client_hello(const Evidence& e) {
  const uint32_t m = magnitude(e.client);
  if (e.client.stage != tls::Stage::kHandshake || e.client.handshake_state > kStateServerHello ||
      (m != codes::kNetConnReset && m != codes::kSslConnEof)) {
    return std::nullopt;
  }
  const bool reset = m == codes::kNetConnReset;
  Finding f{reset ? FindingId::kConnectionResetAfterClientHello : FindingId::kConnectionClosedAfterClientHello,
            fmt::format("The server {} the connection right after the ClientHello, without an alert: it rejected "
                        "something in it (suites, version, SNI or an extension).",
                        reset ? "reset" : "closed"),
            {client_line(e)},
            "Compare the ClientHello with what the server accepts; the server's own log or capture names the cause."};
  if (e.server.connection && !e.server.connection->verdict.empty()) {
    f.evidence.push_back(fmt::format("server: OpenSSL's verdict: {}", e.server.connection->verdict));
  }
  return f;
}

// A fatal alert in answer to the ClientHello that no more specific rule
// explains: name the alert and what it points to.
std::optional<Finding> alert_after_client_hello(const Evidence& e) {
  if (e.client.passed() || e.client.stage != tls::Stage::kHandshake || e.client.handshake_state > kStateServerHello ||
      magnitude(e.client) != codes::kSslFatalAlert || e.client.alerts_received.empty()) {
    return std::nullopt;
  }
  const uint8_t alert = e.client.alerts_received.back().description;
  std::string what, fix;
  switch (alert) {
    case 80:
      what = "an error inside the server (internal_error), not a fault in the ClientHello";
      fix =
          "Nothing on the device causes internal_error: look at the server's log (its key store, backend or "
          "configuration).";
      break;
    case 47:
      what = "a ClientHello field or extension the server (or a middlebox) considers invalid (illegal_parameter)";
      fix =
          "Compare the ClientHello's extensions with what the server accepts (openssl s_client -trace against "
          "the same server shows which one it rejects); then drop or change that extension on the device.";
      break;
    case 70:
      // That the versions overlap is known only from the server's capture,
      // and only then may the finding say so.
      if (e.server.connection && e.server.connection->client_hello && highest_shared_version(e)) {
        what =
            "no common protocol version (protocol_version), although the versions the ClientHello offered "
            "overlap the ones the server is configured for: a middlebox or an old front end answers";
        fix =
            "Find what answers in front of the server (a TLS-terminating proxy or firewall) and its version "
            "policy; the device's versions are not the problem.";
        break;
      }
      [[fallthrough]];
    default:
      what = fmt::format("its refusal of the ClientHello ({})", tls::alert_name(alert));
      fix = "Compare the ClientHello with what the server accepts; the server's own log names the cause.";
  }
  Finding f{FindingId::kAlertAfterClientHello,
            fmt::format("The server answered the ClientHello with the fatal alert {} ({}): {}.", alert,
                        tls::alert_name(alert), what),
            {client_line(e), fmt::format("client: received fatal alert {} ({}) {}", alert, tls::alert_name(alert),
                                         waiting_for(e.client.handshake_state))},
            fix};
  if (e.server.connection && e.server.connection->client_hello) {
    const auto& hello = *e.server.connection->client_hello;
    std::vector<std::string> versions;
    for (auto v : offered_versions(hello)) versions.push_back(tls::prose_name(v));
    f.evidence.push_back(fmt::format("server: the ClientHello offered {}, suites {}, extensions {}",
                                     fmt::join(versions, ", "), hex_list(hello.cipher_suites),
                                     fmt::join(hello.extensions, ", ")));
    if (!e.server.connection->verdict.empty()) {
      f.evidence.push_back(fmt::format("server: OpenSSL's verdict: {}", e.server.connection->verdict));
    }
  }
  return f;
}

std::optional<Finding> handshake_timeout(const Evidence& e) {
  if (magnitude(e.client) != codes::kSslTimeout) return std::nullopt;
  return Finding{FindingId::kHandshakeTimeout,
                 state_shown(e)
                     ? fmt::format("The server went silent: no answer within the read timeout, {} (client state {}).",
                                   waiting_for(e.client.handshake_state), e.client.handshake_state)
                     : "The server went silent: no answer within the read timeout.",
                 {client_line(e)},
                 "Keep a read timeout configured on the device (mbedtls_ssl_conf_read_timeout) so a silent server "
                 "ends in an error instead of a hang; then find why the server stalls."};
}

// ---- A refused ClientHello, from a log ----
// The server refused the ClientHello (reset, close or handshake_failure) and
// the log cannot say why: the candidates, most likely first, scored by how
// narrow each part of the ClientHello is.

// What the log shows of the refusal, as the candidates read it.
struct RefusedHello {
  const Evidence& e;
  bool alert40 = false;                  // handshake_failure (40), else the connection dropped
  bool reset = false;                    // dropped by a reset, else by a close
  std::vector<uint16_t> suites = {};     // offered, without signalling suites
  std::vector<uint16_t> ec_groups = {};  // offered elliptic curves (not FFDHE)
  bool narrow_suites = false;
  bool narrow_groups = false;
  bool no_sni = false;
  const servers::ClientHelloCapture* hello = nullptr;  // null: the log does not show it
  size_t versions_offered = 0;
  std::string how = {};  // "reset the connection right after the ClientHello"
};

std::optional<RefusedHello> refused_hello(const Evidence& e) {
  const uint32_t m = magnitude(e.client);
  const bool alert40 = m == codes::kSslFatalAlert && !e.client.alerts_received.empty() &&
                       e.client.alerts_received.back().description == 40;
  const bool dropped = m == codes::kNetConnReset || m == codes::kSslConnEof;
  if (e.client.stage != tls::Stage::kHandshake || e.client.handshake_state > kStateServerHello ||
      (!alert40 && !dropped)) {
    return std::nullopt;
  }
  RefusedHello r{.e = e, .alert40 = alert40, .reset = m == codes::kNetConnReset};
  for (auto id : e.client.offered_suites) {
    if (!tls::is_signalling_suite(id)) r.suites.push_back(id);
  }
  const servers::ClientHelloCapture* hello = e.log != nullptr && e.log->client_hello ? &*e.log->client_hello : nullptr;
  r.hello = hello;
  if (hello != nullptr) {
    for (auto g : hello->groups) {
      if (tls::serves_tls12_ecdhe(g)) r.ec_groups.push_back(g);
    }
  }
  r.narrow_suites = !r.suites.empty() && r.suites.size() <= 4;
  r.narrow_groups = r.ec_groups.size() == 1;
  r.no_sni = hello != nullptr && hello->server_name.empty();
  r.versions_offered = hello != nullptr ? offered_versions(*hello).size() : 0;
  r.how = alert40   ? "answered the ClientHello with handshake_failure (40)"
          : r.reset ? "reset the connection right after the ClientHello"
                    : "closed the connection right after the ClientHello";
  return r;
}

// One candidate cause: when it applies, how likely it is (higher first;
// ties keep the rows' order), and its finding.
struct Candidate {
  FindingId id;
  bool (*applies)(const RefusedHello&);
  int (*score)(const RefusedHello&);
  Finding (*finding)(FindingId, const RefusedHello&);
};

bool always(const RefusedHello&) {
  return true;
}
int unlikely(const RefusedHello&) {
  return 1;
}

// A group can be the cause only when a key exchange needs one: an ECDHE
// suite, or TLS 1.3, offered (or the log does not show the suites).
bool groups_matter(const RefusedHello& r) {
  const auto& s = r.suites;
  const bool tls13 =
      r.hello != nullptr && std::ranges::count(offered_versions(*r.hello), tls::wire_id(tls::Version::kTls1_3)) > 0;
  return s.empty() || tls13 ||
         std::any_of(s.begin(), s.end(), [](uint16_t id) { return ecdhe_suite(id) || tls::is_tls13_suite(id); });
}

// Whatever the server refused: the reading that names no part of the ClientHello.
Finding refused_without_saying_why(FindingId id, const RefusedHello& r) {
  return {id,
          fmt::format("The server {}, without saying why: something in the ClientHello (suites, version, SNI or an "
                      "extension) is not acceptable to it.",
                      r.how),
          {client_line(r.e)},
          "Compare the ClientHello with what the server accepts; the server's own log or capture names the cause "
          "(`shakedown run` with a scenario of it shows both sides)."};
}
int likely_unless_narrow(const RefusedHello& r) {
  return r.narrow_suites || r.narrow_groups ? 1 : 3;
}

constexpr Candidate kCandidates[] = {
    {FindingId::kNoSharedCiphersuite, always,
     [](const RefusedHello& r) { return r.narrow_suites ? 4
                                        : r.alert40     ? 2
                                                        : 1; },
     [](FindingId id, const RefusedHello& r) {
       return Finding{
           id,
           fmt::format("The server {}, and the client offered only {}: most likely none of them is a suite the "
                       "server accepts.",
                       r.how, r.suites.empty() ? "suites the log does not list" : hex_list(r.suites)),
           {client_line(r.e), fmt::format("client: the ClientHello offered {}", suite_list(r.suites))},
           fmt::format("Find the suites the server accepts (openssl s_client -cipher ... against it, or its "
                       "config) and add one to MBEDTLS_SSL_CIPHERSUITES in {} (or to the list the application "
                       "passes to mbedtls_ssl_conf_ciphersuites).",
                       r.e.profile_file)};
     }},
    {FindingId::kNoSharedGroup, groups_matter, [](const RefusedHello& r) { return r.narrow_groups ? 3 : 1; },
     [](FindingId id, const RefusedHello& r) {
       return Finding{
           id,
           fmt::format("The server {}; the client offered {} for key exchange, which the server may not "
                       "allow.",
                       r.how, r.ec_groups.empty() ? "groups the log does not list" : group_list(r.ec_groups)),
           {client_line(r.e)},
           fmt::format("Enable the server's group on the device (MBEDTLS_ECP_DP_* / the group list in {}).",
                       r.e.profile_file)};
     }},
    {FindingId::kServerKeyTypeDisabled, always, [](const RefusedHello& r) { return r.narrow_groups ? 3 : 1; },
     [](FindingId id, const RefusedHello& r) {
       return Finding{
           id,
           fmt::format("The server {}; if its certificate's key needs a curve or hash the client did not "
                       "offer ({}), it cannot sign for this client.",
                       r.how, r.ec_groups.empty() ? "the log lists no groups" : group_list(r.ec_groups)),
           {client_line(r.e)},
           fmt::format("Enable the curve and hash of the server's certificate key in {}.", r.e.profile_file)};
     }},
    {FindingId::kNoSharedSignatureAlgorithm, always, unlikely,
     [](FindingId id, const RefusedHello& r) {
       return Finding{
           id,
           fmt::format("The server {}; it may find no signature scheme the client offered for its key.", r.how),
           {client_line(r.e)},
           "Have the server allow a signature scheme the client offers (rsa_pkcs1_sha256 over TLS 1.2)."};
     }},
    {FindingId::kServerSuitesUnusableWithCertificate, always, unlikely,
     [](FindingId id, const RefusedHello& r) {
       return Finding{id,
                      fmt::format("The server {}; its own suites may not suit its certificate's key, refusing every "
                                  "client.",
                                  r.how),
                      {client_line(r.e)},
                      "Check the server: its enabled suites must authenticate with its certificate's key type."};
     }},
    {FindingId::kSniRequired, [](const RefusedHello& r) { return r.no_sni; },
     [](const RefusedHello& r) { return r.alert40 ? 1 : 2; },
     [](FindingId id, const RefusedHello& r) {
       return Finding{id,
                      fmt::format("The server {} and the ClientHello named no server (no SNI): servers that pick "
                                  "their certificate by name refuse such a ClientHello.",
                                  r.how),
                      {client_line(r.e), "client: no server_name extension in the ClientHello"},
                      "Call mbedtls_ssl_set_hostname(&ssl, \"<server name>\") before the handshake."};
     }},
    {FindingId::kProtocolVersionMismatch, always,
     [](const RefusedHello& r) { return r.versions_offered == 1 && !r.alert40 ? 2 : 1; },
     [](FindingId id, const RefusedHello& r) {
       return Finding{id,
                      fmt::format("The server {}; it may accept none of the versions the client offered{}.", r.how,
                                  r.versions_offered == 1
                                      ? fmt::format(" (only {})", tls::prose_name(offered_versions(*r.hello)[0]))
                                      : ""),
                      {client_line(r.e)},
                      fmt::format("Make the versions overlap: {} in {}, or the server's version range.",
                                  version_macros(r.e), r.e.profile_file)};
     }},
    // The generic reading, named by how the server refused.
    {FindingId::kAlertAfterClientHello, [](const RefusedHello& r) { return r.alert40; }, likely_unless_narrow,
     refused_without_saying_why},
    {FindingId::kConnectionResetAfterClientHello, [](const RefusedHello& r) { return !r.alert40 && r.reset; },
     likely_unless_narrow, refused_without_saying_why},
    {FindingId::kConnectionClosedAfterClientHello, [](const RefusedHello& r) { return !r.alert40 && !r.reset; },
     likely_unless_narrow, refused_without_saying_why},
};

// Each candidate is declared one (findings.def), and the rule says it may give it.
constexpr FindingSet candidate_ids() {
  FindingSet out{};
  for (const auto& c : kCandidates) out.add(c.id);
  return out;
}
constexpr bool candidates_declared() {
  for (const auto& c : kCandidates) {
    if (declaration(c.id).refusal != Refusal::kCandidate) return false;
  }
  return true;
}
static_assert(candidates_declared(), "a refusal candidate must be declared Refusal::kCandidate in findings.def");

std::vector<Finding> refused_client_hello_candidates(const Evidence& e) {
  const auto refused = refused_hello(e);
  if (!refused) return {};
  struct Scored {
    int score;
    Finding finding;
  };
  std::vector<Scored> scored;
  for (const auto& c : kCandidates) {
    if (c.applies(*refused)) scored.push_back({c.score(*refused), c.finding(c.id, *refused)});
  }
  std::stable_sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) { return a.score > b.score; });
  std::vector<Finding> out;
  for (auto& s : scored) out.push_back(std::move(s.finding));
  return out;
}

}  // namespace

std::span<const Rule> server_behaviour_rules() {
  static constexpr Rule kRules[] = {
      // They replace the generic findings other rules give for the same refusal.
      {"refused_client_hello_candidates", Band::kRefusalCandidates, Sources::kLog, candidate_ids(),
       refused_client_hello_candidates, Overlap::kReplacesSameIds},
      {"sni_required", Band::kServerDemands, Sources::kRunOrLog, {FindingId::kSniRequired}, one<sni_required>},
      {"client_certificate_required",
       Band::kServerDemands,
       Sources::kRun,
       {FindingId::kClientCertificateRequired},
       one<client_certificate_required>},
      {"client_certificate_required_after_handshake",
       Band::kServerDemands,
       Sources::kRun,
       {FindingId::kClientCertificateRequired},
       one<client_certificate_required_after_handshake>},
      {"rejected_after_client_hello",
       Band::kRefusedWithoutReason,
       Sources::kRunOrLog,
       {FindingId::kConnectionResetAfterClientHello, FindingId::kConnectionClosedAfterClientHello},
       one<rejected_after_client_hello>},
      {"alert_after_client_hello",
       Band::kRefusedWithoutReason,
       Sources::kRunOrLog,
       {FindingId::kAlertAfterClientHello},
       one<alert_after_client_hello>},
      {"handshake_timeout", Band::kTimeout, Sources::kRunOrLog, {FindingId::kHandshakeTimeout}, one<handshake_timeout>},
  };
  return kRules;
}

}  // namespace shakedown::diagnosis

// Negotiation rules: what the ClientHello offered against what the server
// takes (suites, groups, versions, signature algorithms, its certificate's
// key), and a handshake that passed on a deprecated version.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <iterator>

#include "mbedtls_codes.h"
#include "rules.h"
#include "shakedown/tls/cipher_suite.h"
#include "shakedown/tls/mbedtls_line.h"
#include "shakedown/tls/named_group.h"
#include "shakedown/tls/signature_scheme.h"
#include "shakedown/tls/version.h"
#include "shared_sets.h"
#include "wording.h"

namespace shakedown::diagnosis {
namespace {

using device::format_code;
using tls::Version;

std::string how_server_ended(const servers::ConnectionCapture& c) {
  switch (c.end) {
    case servers::ConnectionEnd::kFailedWithReset: return "it reset the connection instead of sending an alert";
    case servers::ConnectionEnd::kFailedWithClose: return "it closed the connection without an alert";
    case servers::ConnectionEnd::kFailedWithAlert: return "it sent an alert";
    default: return servers::connection_end_name(c.end);
  }
}

// "TLS 1.2", or "TLS 1.0 to TLS 1.2".
std::string server_range(const ServerView& server) {
  const std::string low(tls::prose_name(server.min_version));
  return server.min_version == server.max_version ? low
                                                  : fmt::format("{} to {}", low, tls::prose_name(server.max_version));
}

// Suites defined only for TLS 1.2 and later (AEAD, or SHA-256/384 MACs):
// a client offering nothing else cannot use TLS 1.0 or 1.1.
bool tls12_only_suite(uint16_t id) {
  const tls::CipherSuite* suite = tls::cipher_suite(id);
  const std::string_view n = suite != nullptr ? suite->iana_name : "";
  return n.find("_GCM_") != std::string::npos || n.find("_CCM") != std::string::npos ||
         n.find("CHACHA20") != std::string::npos || n.ends_with("_SHA256") || n.ends_with("_SHA384");
}

// The server wants a newer version than the client offers: TLS 1.3 on a
// line that has it, else a newer line.
std::string newer_version_fix(const Evidence& e, const std::string& client_high) {
  return mbedtls_line(e).has_tls1_3
             ? fmt::format(
                   "Enable TLS 1.3 on the device (#define MBEDTLS_SSL_PROTO_TLS1_3 in {}), or let the "
                   "server accept {}.",
                   e.profile_file, client_high)
             : fmt::format("Mbed TLS {} has no TLS 1.3: move the device to Mbed TLS 3.6, or let the server accept {}.",
                           e.build.mbedtls_line, client_high);
}

// Without the server's capture (a stock peer): the versions the build has,
// and the server's protocol_version alert.
std::optional<Finding> protocol_version_mismatch_uncaptured(const Evidence& e) {
  if (e.client.passed() || e.client.stage != tls::Stage::kHandshake || e.server.connection ||
      !received_alert(e, codes::kAlertProtocolVersion)) {
    return std::nullopt;
  }
  const uint16_t build_high = e.build.tls1_3   ? tls::wire_id(Version::kTls1_3)
                              : e.build.tls1_2 ? tls::wire_id(Version::kTls1_2)
                                               : 0;
  const uint16_t low = tls::wire_id(e.server.min_version);
  if (build_high == 0 || low <= build_high) return std::nullopt;
  return Finding{FindingId::kProtocolVersionMismatch,
                 fmt::format("The server allows only {} but this build goes no higher than {}; the server answered "
                             "protocol_version (70).",
                             server_range(e.server), tls::prose_name(build_high)),
                 {client_line(e), "client: received fatal alert 70 (protocol_version)",
                  fmt::format("profile {}: highest version {}", e.build.profile, tls::prose_name(build_high))},
                 newer_version_fix(e, tls::prose_name(build_high))};
}

std::optional<Finding> protocol_version_mismatch(const Evidence& e) {
  if (e.client.passed() || e.client.stage != tls::Stage::kHandshake || !e.server.connection ||
      !e.server.connection->client_hello) {
    return std::nullopt;
  }
  const auto& hello = *e.server.connection->client_hello;
  auto offered = offered_versions(hello);
  // A ClientHello without supported_versions names only its highest version;
  // what it really takes below that depends on the line and its suites.
  const tls::MbedtlsLine line = tls::mbedtls_line_or_newest(e.build.mbedtls_line);
  std::string why_not_older;
  if (hello.supported_versions.empty()) {
    std::vector<uint16_t> suites;
    for (auto id : hello.cipher_suites) {
      if (!tls::is_signalling_suite(id)) suites.push_back(id);
    }
    if (!line.can_offer(Version::kTls1_1)) {
      why_not_older = fmt::format("Mbed TLS {} has no TLS 1.0 or 1.1", e.build.mbedtls_line);
    } else if (!suites.empty() && std::all_of(suites.begin(), suites.end(), tls12_only_suite)) {
      why_not_older = "every suite the client offers needs TLS 1.2";
    }
    if (!why_not_older.empty()) std::erase_if(offered, [](uint16_t v) { return v < tls::wire_id(Version::kTls1_2); });
  }
  if (offered.empty()) return std::nullopt;
  const uint16_t low = tls::wire_id(e.server.min_version), high = tls::wire_id(e.server.max_version);
  const bool overlap = std::any_of(offered.begin(), offered.end(), [&](uint16_t v) { return v >= low && v <= high; });
  if (overlap) return std::nullopt;
  std::vector<std::string> names;
  for (auto v : offered) names.push_back(tls::prose_name(v));
  const std::string range = server_range(e.server);
  const uint16_t client_high = *std::max_element(offered.begin(), offered.end());
  const uint16_t client_low = *std::min_element(offered.begin(), offered.end());
  const bool server_newer = low > client_high;
  std::vector<std::string> evidence{
      client_line(e), fmt::format("server: allows {}; ClientHello offered {}", range, fmt::join(names, ", ")),
      fmt::format("server: OpenSSL's verdict: {}", e.server.connection->verdict)};
  if (!why_not_older.empty()) evidence.push_back(fmt::format("client: takes nothing below TLS 1.2: {}", why_not_older));
  std::string fix;
  if (server_newer) {
    fix = e.build.tls1_3 && client_high < tls::wire_id(Version::kTls1_3)
              ? fmt::format(
                    "The build has TLS 1.3 but the application caps the client at {}: raise its maximum "
                    "version (mbedtls_ssl_conf_max_tls_version), or let the server accept {}.",
                    tls::prose_name(client_high), tls::prose_name(client_high))
              : newer_version_fix(e, names.back());
  } else if (const uint16_t tls12 = tls::wire_id(Version::kTls1_2);
             e.build.tls1_2 && client_low > tls12 && high >= tls12) {
    fix = fmt::format(
        "The build has TLS 1.2 but the application sets the client's minimum to {}: lower it "
        "(mbedtls_ssl_conf_min_tls_version), or upgrade the server to {}.",
        tls::prose_name(client_low), tls::prose_name(client_low));
  } else {
    fix = fmt::format("Upgrade the server to TLS 1.2 or later: {} {} deprecated (RFC 8996){}.", range,
                      low == high ? "is" : "are",
                      line.can_offer(Version::kTls1_1)
                          ? ", and re-enabling it on the device (MBEDTLS_SSL_PROTO_TLS1_1, CBC suites) is a last resort"
                          : fmt::format(", and Mbed TLS {} cannot speak it", e.build.mbedtls_line));
  }
  return Finding{FindingId::kProtocolVersionMismatch,
                 fmt::format("The server allows only {} but the client offers {}.", range, fmt::join(names, ", ")),
                 evidence, fix};
}

std::optional<Finding> no_shared_group(const Evidence& e) {
  if (e.client.passed() || e.client.stage != tls::Stage::kHandshake || !e.server.connection ||
      !e.server.connection->client_hello || e.server.groups.empty()) {
    return std::nullopt;
  }
  // Over TLS 1.2 only elliptic curves serve ECDHE, and only ECDHE suites
  // need one: a finite-field group both sides know is no help there, and a
  // shared suite of another key exchange needs no group at all.
  const bool tls13 = highest_shared_version(e) == tls::wire_id(Version::kTls1_3);
  const auto shared_suites = shared_tls12_suites(e);
  if (!tls13 && std::any_of(shared_suites.begin(), shared_suites.end(), [](uint16_t id) { return !ecdhe_suite(id); })) {
    return std::nullopt;
  }
  auto usable = [&](uint16_t g) { return tls13 || tls::serves_tls12_ecdhe(g); };
  const auto& offered = e.server.connection->client_hello->groups;
  std::vector<uint16_t> common;
  for (auto g : offered) {
    if (std::find(e.server.groups.begin(), e.server.groups.end(), g) != e.server.groups.end()) common.push_back(g);
  }
  if (std::any_of(common.begin(), common.end(), usable)) return std::nullopt;
  return Finding{
      FindingId::kNoSharedGroup,
      common.empty()
          ? fmt::format("The server accepts only the groups {} but the client offered {}; no key exchange is "
                        "possible.",
                        group_list(e.server.groups), group_list(offered))
          : fmt::format("The server accepts the groups {} and the client offered {}; they share only {}, "
                        "finite-field groups that serve only TLS 1.3, and the versions both allow stop at TLS 1.2, "
                        "where only elliptic curves serve ECDHE.",
                        group_list(e.server.groups), group_list(offered), group_list(common)),
      {client_line(e),
       fmt::format("server: groups {}, up to {}", group_list(e.server.groups), tls::prose_name(e.server.max_version)),
       fmt::format("server: the ClientHello offered groups {}", group_list(offered)),
       fmt::format("server: OpenSSL's verdict: {}", e.server.connection->verdict)},
      group_fix(e, e.server.groups, tls13)};
}

std::optional<Finding> legacy_protocol_negotiated(const Evidence& e) {
  const auto version = tls::parse_version(e.client.version);
  if (!e.client.passed() || !version || *version > Version::kTls1_1) return std::nullopt;
  return Finding{
      FindingId::kLegacyProtocolNegotiated,
      fmt::format("Warning: the handshake succeeded on {}, which is deprecated (RFC 8996).", e.client.version),
      {fmt::format("client: negotiated {} with {}", e.client.version, e.client.suite)},
      fmt::format("Set the minimum version to TLS 1.2 (mbedtls_ssl_conf_min_version, or undefine "
                  "MBEDTLS_SSL_PROTO_TLS1 and MBEDTLS_SSL_PROTO_TLS1_1 in {}).",
                  e.profile_file)};
}

// What the server's certificate key needs from the client's ClientHello. An
// EC key: its curve among the supported groups (TLS 1.2, RFC 8422) and, over
// TLS 1.3, the ECDSA signature scheme bound to that curve (RFC 8446). An
// Ed25519 key: the ed25519 scheme (RFC 8422, 8446), on both versions.
struct LeafKey {
  const char* key_type;  // CertInfo::key_type
  int bits;              // 0: any
  uint16_t group;        // 0: no group needed
  uint16_t scheme;       // the signature scheme (TLS 1.3; TLS 1.2 too when there is no group)
  const char* name;
  const char* hash;
};
constexpr LeafKey kLeafKeys[] = {{"EC", 256, 0x0017, 0x0403, "P-256", "sha256"},
                                 {"EC", 384, 0x0018, 0x0503, "P-384", "sha384"},
                                 {"EC", 521, 0x0019, 0x0603, "P-521", "sha512"},
                                 {"ED25519", 0, 0, 0x0807, "Ed25519", ""}};

// The server leaf's key when the ClientHello leaves the server no way to use
// it; nullptr otherwise.
const LeafKey* unusable_leaf_key(const Evidence& e) {
  const CertInfo* leaf = server_leaf(e);
  if (leaf == nullptr || !e.server.connection || !e.server.connection->client_hello) return nullptr;
  const auto& hello = *e.server.connection->client_hello;
  auto has = [](const std::vector<uint16_t>& list, uint16_t id) {
    return std::find(list.begin(), list.end(), id) != list.end();
  };
  // TLS 1.3 binds ECDSA to the curve: over it the scheme counts too.
  const bool tls13 = highest_shared_version(e) == tls::wire_id(Version::kTls1_3);
  for (const auto& key : kLeafKeys) {
    if (leaf->key_type != key.key_type || (key.bits != 0 && key.bits != leaf->key_bits)) continue;
    const bool usable = key.group != 0
                            ? has(hello.groups, key.group) && (!tls13 || has(hello.signature_algorithms, key.scheme))
                            : has(hello.signature_algorithms, key.scheme);
    return usable ? nullptr : &key;
  }
  return nullptr;
}

std::optional<Finding> server_key_type_disabled(const Evidence& e) {
  if (e.client.passed() || e.client.stage != tls::Stage::kHandshake) return std::nullopt;
  const LeafKey* key = unusable_leaf_key(e);
  if (key == nullptr) return std::nullopt;
  const CertInfo& leaf = *server_leaf(e);
  const auto& conn = *e.server.connection;
  const auto& hello = *conn.client_hello;
  std::vector<std::string> schemes;
  for (auto id : hello.signature_algorithms) schemes.push_back(fmt::format("{:04x}", id));
  const std::string openssl = conn.verdict.empty() ? "" : fmt::format(" (OpenSSL: {})", conn.verdict);
  std::vector<std::string> evidence{
      client_line(e),
      fmt::format("server: its certificate '{}' has an {} {}-bit key, signed with {}", leaf.subject, leaf.key_type,
                  leaf.key_bits, leaf.signature_algorithm),
      fmt::format("server: the ClientHello offered groups {}", group_list(hello.groups)),
      fmt::format("server: the ClientHello offered signature schemes {}", fmt::join(schemes, ", ")),
      fmt::format("server: OpenSSL's verdict: {}", conn.verdict.empty() ? "none" : conn.verdict)};
  if (key->group == 0) {
    // Ed25519: no Mbed TLS line implements it, so no config line helps.
    return Finding{FindingId::kServerKeyTypeDisabled,
                   fmt::format("The server's certificate has an {} key, but Mbed TLS has no {} signatures (neither "
                               "2.28 nor 3.6): its ClientHello does not offer the scheme 0x{:04x}, so the server "
                               "cannot use its certificate with this client{}.",
                               key->name, key->name, key->scheme, openssl),
                   evidence,
                   fmt::format("No config line adds {} to Mbed TLS: have the server use an ECDSA P-256 (or RSA) "
                               "certificate, or serve one alongside the {} certificate for such clients.",
                               key->name, key->name)};
  }
  const bool curve_offered = std::find(hello.groups.begin(), hello.groups.end(), key->group) != hello.groups.end();
  const tls::NamedGroup& curve = *tls::named_group(key->group);
  const bool hash_on = hash_enabled(key->hash, e.build);
  // The build reports SHA-1, SHA-256 and SHA-384 alone; SHA-512 may be either.
  const std::string_view hash = key->hash;
  const bool hash_known = hash == "sha1" || hash == "sha256" || hash == "sha384";
  const std::string scheme(tls::signature_scheme_name(key->scheme));
  const std::string enable_hash = fmt::format("Enable {} (the hash of {}) in {}", mbedtls_line(e).hash_macro(key->hash),
                                              scheme, e.profile_file);
  // With curve and hash in the build, the application's own list left the scheme out.
  const std::string add_scheme =
      fmt::format("add {} to the signature algorithms the application sets (mbedtls_ssl_conf_sig_algs)", scheme);
  std::string fix =
      !curve_offered ? fmt::format("Enable {} in {} (the certificate's curve)", curve.mbedtls_macro, e.profile_file)
      : !hash_on     ? enable_hash
      : hash_known   ? fmt::format("The build has the curve and the hash: {}", add_scheme)
                     : fmt::format("{} if it is off; if it is on, {}", enable_hash, add_scheme);
  if (!curve_offered && !hash_on) {
    fix += fmt::format(" and {} (its ECDSA signature hash)",
                       tls::mbedtls_line_or_newest(e.build.mbedtls_line).hash_macro(key->hash));
  }
  fix += fmt::format("; or have the server use a certificate with a key the device supports.");
  return Finding{FindingId::kServerKeyTypeDisabled,
                 curve_offered
                     ? fmt::format("The server's certificate has an EC {} key, and over TLS 1.3 it must sign with {}, "
                                   "which the ClientHello does not offer, so the server cannot use its certificate "
                                   "with this client{}.",
                                   key->name, tls::signature_scheme_name(key->scheme), openssl)
                     : fmt::format("The server's certificate has an EC {} key, but the client does not offer {}: its "
                                   "ClientHello offers only the groups {}, so the server cannot use its certificate "
                                   "with this client{}.",
                                   key->name, key->name, group_list(hello.groups), openssl),
                 evidence, fix};
}

std::optional<Finding> no_shared_ciphersuite(const Evidence& e) {
  if (e.client.passed() || e.client.stage != tls::Stage::kHandshake) return std::nullopt;
  // What the client offered: the server's capture, or the client's own
  // reading of its ClientHello when the peer keeps no capture (s_server).
  const servers::ConnectionCapture* conn = e.server.connection ? &*e.server.connection : nullptr;
  if (conn != nullptr && !conn->client_hello) return std::nullopt;
  const auto offered = offered_suites(e);
  std::vector<uint16_t> accepted;
  for (const auto& s : e.server.accepted_suites) accepted.push_back(s.id);
  // The premise: the sets are disjoint. OpenSSL says "no shared cipher" for
  // suites in common it cannot use too (a DHE suite without DH parameters,
  // a key its certificate lacks): that is another cause, not this one.
  if (suites_shared(e) || accepted.empty() || offered.empty()) return std::nullopt;

  // The suite to add: one the build already has (only the application's
  // run-time list left it out), else the server's first.
  const auto& build_suites = e.build.ciphersuites;
  auto in_build = [&](const servers::SuiteName& s) {
    return std::find(build_suites.begin(), build_suites.end(), s.id) != build_suites.end();
  };
  const auto built = std::find_if(e.server.accepted_suites.begin(), e.server.accepted_suites.end(), in_build);
  const auto& wanted = built != e.server.accepted_suites.end() ? *built : e.server.accepted_suites.front();
  std::vector<std::string> accepted_names;
  for (const auto& s : e.server.accepted_suites) accepted_names.push_back(suite_label(s.id));
  std::string fix;
  if (built != e.server.accepted_suites.end()) {
    fix = fmt::format(
        "The build has {} but the application leaves it out: add MBEDTLS_{} to the list it passes to "
        "mbedtls_ssl_conf_ciphersuites.",
        suite_label(wanted.id), wanted.iana_name);
  } else {
    fix = fmt::format("Add MBEDTLS_{} to MBEDTLS_SSL_CIPHERSUITES in {}.", wanted.iana_name, e.profile_file);
  }
  Finding f{FindingId::kNoSharedCiphersuite,
            fmt::format("The server accepts only {} but the client offered only {}{}.", fmt::join(accepted_names, ", "),
                        hex_list(offered), conn != nullptr ? "; " + how_server_ended(*conn) : ""),
            {client_line(e),
             fmt::format("{}: the ClientHello offered {}", conn != nullptr ? "server" : "client", suite_list(offered))},
            fix};
  if (conn != nullptr) {
    f.evidence.push_back(fmt::format("server: OpenSSL's verdict: {}", conn->verdict.empty() ? "none" : conn->verdict));
  }
  f.evidence.push_back(fmt::format("server: accepts {}", suite_list(accepted)));
  return f;
}

// The server's own suites all need another kind of key than its certificate's
// (ECDHE-ECDSA suites with an RSA certificate): no client can connect.
std::optional<Finding> server_suites_unusable(const Evidence& e) {
  if (e.client.passed() || e.client.stage != tls::Stage::kHandshake || !e.server.connection ||
      !e.server.connection->client_hello || !e.server.accepted_suites.empty() ||
      e.server.connection->verdict.find("no shared cipher") == std::string::npos) {
    return std::nullopt;
  }
  const CertInfo* leaf = server_leaf(e);
  if (leaf == nullptr) return std::nullopt;
  const bool rsa = leaf->key_type == "RSA";
  return Finding{
      FindingId::kServerSuitesUnusableWithCertificate,
      fmt::format("The server can use none of its own TLS 1.2 suites: its certificate has an {} key, and none "
                  "of the suites it enables authenticates with {}; no client can connect, whatever it "
                  "offers.",
                  leaf->key_type, leaf->key_type),
      {client_line(e),
       fmt::format("server: its certificate '{}' has an {} {}-bit key; none of its enabled suites "
                   "authenticates with {}",
                   leaf->subject, leaf->key_type, leaf->key_bits, leaf->key_type),
       fmt::format("server: the ClientHello offered {}", hex_list(e.server.connection->client_hello->cipher_suites)),
       fmt::format("server: OpenSSL's verdict: {}", e.server.connection->verdict)},
      fmt::format("Fix the server: enable suites for its {} certificate (e.g. {}), or install a "
                  "certificate for the suites it enables; nothing on the device helps.",
                  leaf->key_type, rsa ? "ECDHE-RSA-AES128-GCM-SHA256" : "ECDHE-ECDSA-AES128-GCM-SHA256")};
}

std::string scheme_list(const std::vector<uint16_t>& ids) {
  std::vector<std::string> out;
  for (auto id : ids) out.push_back(fmt::format("{:04x}", id));
  return fmt::format("{}", fmt::join(out, ", "));
}

// No signature scheme both sides can use for the server's key: OpenSSL finds
// none among those the ClientHello offers; or (Mbed TLS 3.x with TLS 1.3
// on) the ClientHello offers RSA-PSS from its TLS 1.3 list, the TLS 1.2
// server signs its ServerKeyExchange with it, and the client's TLS 1.2 code
// rejects the scheme (illegal_parameter).
std::optional<Finding> no_shared_signature_algorithm(const Evidence& e) {
  if (e.client.passed() || e.client.stage != tls::Stage::kHandshake || !e.server.connection ||
      !e.server.connection->client_hello) {
    return std::nullopt;
  }
  const auto& conn = *e.server.connection;
  const auto& offered = conn.client_hello->signature_algorithms;
  const CertInfo* leaf = server_leaf(e);
  const std::string key = leaf != nullptr ? fmt::format("{} {}-bit", leaf->key_type, leaf->key_bits) : "?";
  const bool server_found_none = conn.verdict.find("no shared signature algorithm") != std::string::npos;
  const bool offered_pss = std::any_of(offered.begin(), offered.end(), tls::is_rsa_pss_rsae);
  const bool sent_illegal_parameter = std::any_of(e.client.alerts_sent.begin(), e.client.alerts_sent.end(),
                                                  [](const device::AlertSeen& a) { return a.description == 47; });
  const bool pss_rejected_in_tls12 = magnitude(e.client) == 0x6600 && e.client.handshake_state == 4 &&
                                     sent_illegal_parameter && leaf != nullptr && leaf->key_type == "RSA" &&
                                     offered_pss && e.server.max_version == Version::kTls1_2 &&
                                     tls::mbedtls_line_or_newest(e.build.mbedtls_line).tls12_rejects_offered_rsa_pss;
  if (!server_found_none && !pss_rejected_in_tls12) return std::nullopt;
  // The premise of each reading: no scheme fit for the key is both offered
  // and in the server's list; the server's list lets it sign with RSA-PSS.
  if (!pss_rejected_in_tls12 && signature_scheme_shared(e) == true) return std::nullopt;
  if (pss_rejected_in_tls12) {
    const auto own = server_signature_schemes(e.server);
    if (own && std::none_of(own->begin(), own->end(), tls::is_rsa_pss_rsae)) return std::nullopt;
  }
  std::vector<std::string> evidence{
      client_line(e), fmt::format("server: its certificate has an {} key; the ClientHello offered signature schemes {}",
                                  key, scheme_list(offered))};
  if (!conn.verdict.empty()) evidence.push_back(fmt::format("server: OpenSSL's verdict: {}", conn.verdict));
  if (pss_rejected_in_tls12) {
    evidence.push_back(
        "client: sent illegal_parameter (47) on the ServerKeyExchange's signature scheme (client state 4)");
    return Finding{
        FindingId::kNoSharedSignatureAlgorithm,
        fmt::format("The TLS 1.2 server signed its ServerKeyExchange with RSA-PSS: Mbed TLS {} offered RSA-PSS ({}) "
                    "because TLS 1.3 is enabled, but its TLS 1.2 code accepts only PKCS#1 v1.5 RSA signatures and "
                    "rejects the scheme ({}).",
                    e.build.mbedtls_line, scheme_list([&] {
                      std::vector<uint16_t> pss;
                      std::copy_if(offered.begin(), offered.end(), std::back_inserter(pss), tls::is_rsa_pss_rsae);
                      return pss;
                    }()),
                    format_code(e.client.result)),
        evidence,
        "Have the server allow rsa_pkcs1_sha256 (RSA+SHA256) over TLS 1.2, or TLS 1.3 (where Mbed TLS verifies "
        "RSA-PSS). On the device, a build without MBEDTLS_SSL_PROTO_TLS1_3 does not offer RSA-PSS, so a server "
        "that also allows PKCS#1 signs with that; the offer-then-reject is a known Mbed TLS issue "
        "(Mbed-TLS/mbedtls#10668)."};
  }
  const bool rsa_tls12 = leaf != nullptr && leaf->key_type == "RSA" && e.server.max_version == Version::kTls1_2;
  return Finding{FindingId::kNoSharedSignatureAlgorithm,
                 fmt::format("The server can sign with its {} key only in schemes the client does not offer (it "
                             "offered {}); OpenSSL found no shared signature algorithm.",
                             key, scheme_list(offered)),
                 evidence,
                 rsa_tls12 && !offered_pss
                     ? fmt::format("Have the server allow rsa_pkcs1_sha256 (RSA+SHA256) over TLS 1.2: Mbed TLS {} "
                                   "verifies RSA-PSS only in TLS 1.3{}, so no device config line adds it here.",
                                   e.build.mbedtls_line, mbedtls_line(e).has_tls1_3 ? "" : ", which it does not have")
                     : "Have the server allow a signature scheme the client offers for its key, or enable on the "
                       "device the hash or scheme the server signs with."};
}

}  // namespace

std::span<const Rule> negotiation_rules() {
  static constexpr Rule kRules[] = {
      {"protocol_version_mismatch",
       Band::kNegotiation,
       Sources::kRun,
       {FindingId::kProtocolVersionMismatch},
       one<protocol_version_mismatch>},
      {"protocol_version_mismatch_uncaptured",
       Band::kNegotiation,
       Sources::kRun,
       {FindingId::kProtocolVersionMismatch},
       one<protocol_version_mismatch_uncaptured>},
      {"server_key_type_disabled",
       Band::kNegotiation,
       Sources::kRun,
       {FindingId::kServerKeyTypeDisabled},
       one<server_key_type_disabled>},
      {"no_shared_group", Band::kNegotiation, Sources::kRun, {FindingId::kNoSharedGroup}, one<no_shared_group>},
      {"server_suites_unusable",
       Band::kNegotiation,
       Sources::kRun,
       {FindingId::kServerSuitesUnusableWithCertificate},
       one<server_suites_unusable>},
      {"no_shared_signature_algorithm",
       Band::kNegotiation,
       Sources::kRun,
       {FindingId::kNoSharedSignatureAlgorithm},
       one<no_shared_signature_algorithm>},
      {"no_shared_ciphersuite",
       Band::kNegotiation,
       Sources::kRun,
       {FindingId::kNoSharedCiphersuite},
       one<no_shared_ciphersuite>},
      {"legacy_protocol_negotiated",
       Band::kLegacyWarning,
       Sources::kRunOrLog,
       {FindingId::kLegacyProtocolNegotiated},
       one<legacy_protocol_negotiated>},
  };
  return kRules;
}

}  // namespace shakedown::diagnosis

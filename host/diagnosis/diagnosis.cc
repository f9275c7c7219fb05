#include "diagnosis.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <functional>

#include "mbedtls_codes.h"

namespace shakedown::diagnosis {
namespace {

using device::format_code;

// Mbed TLS's state while it waits for the ServerHello (same on both lines).
constexpr int kStateServerHello = 2;
constexpr size_t kMaxRecordContent = 16384;

uint32_t magnitude(const device::ClientReport& c) {
  return c.result < 0 ? static_cast<uint32_t>(-c.result) : 0;
}

// What Mbed TLS waits for in a client handshake state (mbedtls_ssl_states;
// the first sixteen are the same on 2.28 and 3.6).
std::string waiting_for(int state) {
  switch (state) {
    case 1: return "while sending its ClientHello";
    case 2: return "waiting for the ServerHello";
    case 3: return "waiting for the server's Certificate";
    case 4: return "waiting for the ServerKeyExchange";
    case 5: return "waiting for a CertificateRequest or the ServerHelloDone";
    case 6: return "waiting for the ServerHelloDone";
    case 12: return "waiting for the server's ChangeCipherSpec";
    case 13: return "waiting for the server's Finished";
    default: return fmt::format("in client state {}", state);
  }
}

// Only the client's side is known (`shakedown explain`: a log, no server).
bool client_side_only(const Evidence& e) {
  return !e.server.known;
}

std::string client_line(const Evidence& e) {
  const auto& c = e.client;
  if (c.stage == "exchange") {
    return fmt::format("client: {} returned {} ({}) after the handshake completed", c.failed_call,
                       format_code(c.result), c.result_name);
  }
  return fmt::format("client: {} returned {} ({}) at {}, client state {}", c.failed_call, format_code(c.result),
                     c.result_name, c.stage, c.handshake_state);
}

std::string suite_label(uint16_t id) {
  auto name = servers::suite_name(id);
  return name.openssl_name.empty() ? fmt::format("{:04x}", id) : fmt::format("{:04x} ({})", id, name.openssl_name);
}

std::string suite_list(const std::vector<uint16_t>& ids) {
  std::vector<std::string> labels;
  for (auto id : ids) labels.push_back(suite_label(id));
  return fmt::format("{}", fmt::join(labels, ", "));
}

// "c02b and c02c"; a long list is cut after a few, saying how many more
// (the evidence lists them all).
std::string hex_list(const std::vector<uint16_t>& ids) {
  constexpr size_t kShown = 6;
  std::vector<std::string> out;
  for (size_t i = 0; i < ids.size() && i < kShown; ++i) out.push_back(fmt::format("{:04x}", ids[i]));
  if (ids.size() > kShown) return fmt::format("{} and {} more", fmt::join(out, ", "), ids.size() - kShown);
  if (out.size() < 2) return fmt::format("{}", fmt::join(out, ""));
  const std::string last = out.back();
  out.pop_back();
  return fmt::format("{} and {}", fmt::join(out, ", "), last);
}

// The config macro that enables a signature hash on this build's line.
std::string hash_macro(const std::string& hash, const device::BuildFacts& b) {
  const bool v2 = b.mbedtls_line.starts_with("2.");
  if (hash == "sha1") return "MBEDTLS_SHA1_C";
  if (hash == "sha256") return "MBEDTLS_SHA256_C";
  if (hash == "sha384") return v2 ? "MBEDTLS_SHA512_C" : "MBEDTLS_SHA384_C";
  return "MBEDTLS_SHA512_C";
}

bool hash_enabled(const std::string& hash, const device::BuildFacts& b) {
  if (hash == "sha1") return b.sha1;
  if (hash == "sha256") return b.sha256;
  if (hash == "sha384") return b.sha384;
  return true;  // sha512: not tracked yet
}

std::string how_server_ended(const servers::ConnectionCapture& c) {
  switch (c.end) {
    case servers::ConnectionEnd::kFailedWithReset: return "it reset the connection instead of sending an alert";
    case servers::ConnectionEnd::kFailedWithClose: return "it closed the connection without an alert";
    case servers::ConnectionEnd::kFailedWithAlert: return "it sent an alert";
    default: return servers::connection_end_name(c.end);
  }
}

// The largest handshake message the server sent, without its 4-byte header.
size_t largest_server_message(const std::vector<servers::HandshakeMessage>& transcript) {
  size_t out = 0;
  for (const auto& m : transcript) {
    if (m.from_server) out = std::max(out, m.length);
  }
  return out;
}

size_t next_buffer_size(size_t needed) {
  size_t size = 512;
  while (size < needed && size < kMaxRecordContent) size *= 2;
  return size;
}

// The chain's verify flags, or 0 when verification never ran (Mbed TLS
// reports all ones then).
uint32_t verify_flags(const Evidence& e) {
  return e.client.verify_flags == 0xffffffffu ? 0 : e.client.verify_flags;
}

bool received_alert(const Evidence& e, uint8_t description) {
  return std::any_of(e.client.alerts_received.begin(), e.client.alerts_received.end(),
                     [&](const device::AlertSeen& a) { return a.description == description; });
}

std::string version_name(uint16_t wire) {
  switch (wire) {
    case 0x0301: return "TLS 1.0";
    case 0x0302: return "TLS 1.1";
    case 0x0303: return "TLS 1.2";
    case 0x0304: return "TLS 1.3";
    default: return fmt::format("0x{:04x}", wire);
  }
}

std::string config_version_name(const std::string& v) {
  return "TLS " + v.substr(3);
}  // "tls1.2" -> "TLS 1.2"

uint16_t wire_version(const std::string& v) {
  if (v == "tls1.0") return 0x0301;
  if (v == "tls1.1") return 0x0302;
  if (v == "tls1.2") return 0x0303;
  return 0x0304;
}

std::string group_macro(uint16_t id) {
  switch (id) {
    case 0x0017: return "MBEDTLS_ECP_DP_SECP256R1_ENABLED";
    case 0x0018: return "MBEDTLS_ECP_DP_SECP384R1_ENABLED";
    case 0x0019: return "MBEDTLS_ECP_DP_SECP521R1_ENABLED";
    case 0x001d: return "MBEDTLS_ECP_DP_CURVE25519_ENABLED";
    case 0x001e: return "MBEDTLS_ECP_DP_CURVE448_ENABLED";
    default: return fmt::format("the group 0x{:04x}", id);
  }
}

std::string group_list(const std::vector<uint16_t>& ids) {
  std::vector<std::string> names;
  for (auto id : ids) names.push_back(device::group_name(id));
  return fmt::format("{}", fmt::join(names, ", "));
}

// Suites defined only for TLS 1.2 and later (AEAD, or SHA-256/384 MACs):
// a client offering nothing else cannot use TLS 1.0 or 1.1.
bool tls12_only_suite(uint16_t id) {
  const std::string n = servers::suite_name(id).iana_name;
  return n.find("_GCM_") != std::string::npos || n.find("_CCM") != std::string::npos ||
         n.find("CHACHA20") != std::string::npos || n.ends_with("_SHA256") || n.ends_with("_SHA384");
}

// Without the server's capture (a stock peer): the versions the build has,
// and the server's protocol_version alert.
std::optional<Finding> protocol_version_mismatch_uncaptured(const Evidence& e) {
  if (e.client.passed() || e.client.stage != "handshake" || e.server.connection ||
      !received_alert(e, codes::kAlertProtocolVersion)) {
    return std::nullopt;
  }
  const uint16_t build_high = e.build.tls1_3 ? 0x0304 : e.build.tls1_2 ? 0x0303 : 0;
  const uint16_t low = wire_version(e.server.min_version);
  if (build_high == 0 || low <= build_high) return std::nullopt;
  const std::string server_range =
      e.server.min_version == e.server.max_version
          ? config_version_name(e.server.min_version)
          : config_version_name(e.server.min_version) + " to " + config_version_name(e.server.max_version);
  return Finding{
      "protocol-version-mismatch",
      fmt::format("The server allows only {} but this build goes no higher than {}; the server answered "
                  "protocol_version (70).",
                  server_range, version_name(build_high)),
      {client_line(e), "client: received fatal alert 70 (protocol_version)",
       fmt::format("profile {}: highest version {}", e.build.profile, version_name(build_high))},
      fmt::format("Enable the newer version on the device (MBEDTLS_SSL_PROTO_TLS1_3 in {}, Mbed TLS 3.x only), or "
                  "let the server accept {}.",
                  e.profile_file, version_name(build_high))};
}

std::optional<Finding> protocol_version_mismatch(const Evidence& e) {
  if (e.client.passed() || e.client.stage != "handshake" || !e.server.connection ||
      !e.server.connection->client_hello) {
    return std::nullopt;
  }
  const auto& hello = *e.server.connection->client_hello;
  auto offered = offered_versions(hello);
  // A ClientHello without supported_versions names only its highest version;
  // what it really takes below that depends on the line and its suites.
  std::string why_not_older;
  if (hello.supported_versions.empty()) {
    std::vector<uint16_t> suites;
    for (auto id : hello.cipher_suites) {
      if (!servers::is_signalling_suite(id)) suites.push_back(id);
    }
    if (!e.build.mbedtls_line.starts_with("2.")) {
      why_not_older = fmt::format("Mbed TLS {} has no TLS 1.0 or 1.1", e.build.mbedtls_line);
    } else if (!suites.empty() && std::all_of(suites.begin(), suites.end(), tls12_only_suite)) {
      why_not_older = "every suite the client offers needs TLS 1.2";
    }
    if (!why_not_older.empty()) std::erase_if(offered, [](uint16_t v) { return v < 0x0303; });
  }
  if (offered.empty()) return std::nullopt;
  const uint16_t low = wire_version(e.server.min_version), high = wire_version(e.server.max_version);
  const bool overlap = std::any_of(offered.begin(), offered.end(), [&](uint16_t v) { return v >= low && v <= high; });
  if (overlap) return std::nullopt;
  std::vector<std::string> names;
  for (auto v : offered) names.push_back(version_name(v));
  const std::string server_range =
      low == high ? config_version_name(e.server.min_version)
                  : config_version_name(e.server.min_version) + " to " + config_version_name(e.server.max_version);
  const uint16_t client_high = *std::max_element(offered.begin(), offered.end());
  const uint16_t client_low = *std::min_element(offered.begin(), offered.end());
  const bool server_newer = low > client_high;
  std::vector<std::string> evidence{
      client_line(e), fmt::format("server: allows {}; ClientHello offered {}", server_range, fmt::join(names, ", ")),
      fmt::format("server: OpenSSL's verdict: {}", e.server.connection->verdict)};
  if (!why_not_older.empty()) evidence.push_back(fmt::format("client: takes nothing below TLS 1.2: {}", why_not_older));
  std::string fix;
  if (server_newer) {
    fix = e.build.tls1_3 && client_high < 0x0304
              ? fmt::format(
                    "The build has TLS 1.3 but the application caps the client at {}: raise its maximum "
                    "version (mbedtls_ssl_conf_max_tls_version), or let the server accept {}.",
                    version_name(client_high), version_name(client_high))
              : fmt::format(
                    "Enable the newer version on the device (MBEDTLS_SSL_PROTO_TLS1_3 in {}, Mbed TLS "
                    "3.x only), or let the server accept {}.",
                    e.profile_file, names.back());
  } else if (e.build.tls1_2 && client_low > 0x0303 && high >= 0x0303) {
    fix = fmt::format(
        "The build has TLS 1.2 but the application sets the client's minimum to {}: lower it "
        "(mbedtls_ssl_conf_min_tls_version), or upgrade the server to {}.",
        version_name(client_low), version_name(client_low));
  } else {
    fix = fmt::format("Upgrade the server to TLS 1.2 or later: {} {} deprecated (RFC 8996){}.", server_range,
                      low == high ? "is" : "are",
                      e.build.mbedtls_line.starts_with("2.")
                          ? ", and re-enabling it on the device (MBEDTLS_SSL_PROTO_TLS1_1, CBC suites) is a last resort"
                          : fmt::format(", and Mbed TLS {} cannot speak it", e.build.mbedtls_line));
  }
  return Finding{
      "protocol-version-mismatch",
      fmt::format("The server allows only {} but the client offers {}.", server_range, fmt::join(names, ", ")),
      evidence, fix};
}

std::optional<Finding> no_shared_group(const Evidence& e) {
  if (e.client.passed() || e.client.stage != "handshake" || !e.server.connection ||
      !e.server.connection->client_hello || e.server.groups.empty()) {
    return std::nullopt;
  }
  // Over TLS 1.2 only elliptic curves (ids below 0x0100) serve ECDHE; a
  // finite-field group both sides know is no help there.
  const bool tls12_only = e.server.max_version != "tls1.3";
  auto usable = [&](uint16_t g) { return !tls12_only || g < 0x0100; };
  const auto& offered = e.server.connection->client_hello->groups;
  const bool shared = std::any_of(offered.begin(), offered.end(), [&](uint16_t g) {
    return usable(g) && std::find(e.server.groups.begin(), e.server.groups.end(), g) != e.server.groups.end();
  });
  if (shared) return std::nullopt;
  return Finding{"no-shared-group",
                 fmt::format("The server accepts only the groups {} but the client offered {}; no key exchange is "
                             "possible{}.",
                             group_list(e.server.groups), group_list(offered),
                             tls12_only ? " (over TLS 1.2, only elliptic curves serve ECDHE)" : ""),
                 {client_line(e),
                  fmt::format("server: groups {}, up to {}", group_list(e.server.groups),
                              config_version_name(e.server.max_version)),
                  fmt::format("server: the ClientHello offered groups {}", group_list(offered)),
                  fmt::format("server: OpenSSL's verdict: {}", e.server.connection->verdict)},
                 std::all_of(e.server.groups.begin(), e.server.groups.end(), [](uint16_t g) { return g >= 0x0100; })
                     ? std::string("Have the server offer an elliptic curve for TLS 1.2, or allow TLS 1.3 (where "
                                   "Mbed TLS 3.6 can use finite-field groups).")
                     : fmt::format("Enable a group the server accepts: #define {} in {} (and keep it in the "
                                   "client's curve list); or let the server accept one of the client's.",
                                   group_macro(e.server.groups.front()), e.profile_file)};
}

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
  return Finding{"client-certificate-required",
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
  if (!requested) return std::nullopt;
  std::string ca = e.server.chain.empty() ? "its CA" : "'" + e.server.chain.front().subject + "'";
  return Finding{"client-certificate-required",
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
  return Finding{"sni-required",
                 fmt::format("The server picks its certificate by the name the client asks for (SNI), and the "
                             "client {}; it answered unrecognized_name (112).",
                             sent_name ? "asked for a name it does not serve" : "asked for none"),
                 {client_line(e), "client: received alert 112 (unrecognized_name)"},
                 "Set the server's name on the device: mbedtls_ssl_set_hostname(&ssl, \"<server name>\"), which "
                 "also turns on the name check."};
}

std::optional<Finding> heap_exhausted(const Evidence& e) {
  if (e.client.passed() || e.client.result_name.find("ALLOC_FAILED") == std::string::npos) return std::nullopt;
  return Finding{"heap-exhausted",
                 fmt::format("Mbed TLS ran out of heap: the handshake reached {} bytes of a {}-byte budget, and an "
                             "allocation failed ({}).",
                             e.client.heap_peak, e.client.heap_budget, format_code(e.client.result)),
                 {client_line(e),
                  fmt::format("client: heap peak {} bytes, budget {} bytes", e.client.heap_peak, e.client.heap_budget)},
                 fmt::format("Give Mbed TLS more heap than its peak on a passing run (see peak_heap_bytes), or shrink "
                             "MBEDTLS_SSL_IN_CONTENT_LEN / MBEDTLS_SSL_OUT_CONTENT_LEN in {}.",
                             e.profile_file)};
}

// The first certificate of the server's chain whose own flags include `bit`.
const device::PeerCertificate* peer_with_flag(const Evidence& e, uint32_t bit) {
  for (const auto& pc : e.client.peer_chain) {
    if (pc.verify_flags & bit) return &pc;
  }
  return nullptr;
}

// "O=shakedown, CN=name" (Mbed TLS) and "/O=shakedown/CN=name" (OpenSSL)
// name the same certificate; compare the common names.
std::string common_name(std::string_view dn) {
  const size_t at = dn.rfind("CN=");
  if (at == std::string_view::npos) return std::string(dn);
  std::string_view cn = dn.substr(at + 3);
  return std::string(cn.substr(0, cn.find_first_of(",/")));
}

std::optional<Finding> cert_not_yet_valid_clock_unset(const Evidence& e) {
  if (e.client.passed() || !(verify_flags(e) & codes::kBadCertFuture) || e.setup.time != "unset") {
    return std::nullopt;
  }
  return Finding{"cert-not-yet-valid-clock-unset",
                 "The device's clock is unset (time 0, as 'current time: 0' in its log), so every certificate looks "
                 "not yet valid.",
                 {client_line(e), "client: verify flags MBEDTLS_X509_BADCERT_FUTURE; the clock was unset"},
                 "Set the clock before connecting (SNTP or an RTC); or build without MBEDTLS_HAVE_TIME_DATE, which "
                 "skips validity checks altogether (expired certificates then pass too)."};
}

// The date a client clock setting stands for ("now", or seconds since 1970).
std::string clock_reading(const std::string& time) {
  if (time == "now") return "the current time";
  char buf[32] = "?";
  const std::time_t t = static_cast<std::time_t>(std::strtoll(time.c_str(), nullptr, 10));
  std::tm tm{};
  if (gmtime_r(&t, &tm) != nullptr) std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

std::optional<Finding> cert_not_yet_valid(const Evidence& e) {
  if (e.client.passed() || !(verify_flags(e) & codes::kBadCertFuture) || e.setup.time == "unset") {
    return std::nullopt;
  }
  const auto* pc = peer_with_flag(e, codes::kBadCertFuture);
  const std::string subject = pc != nullptr ? pc->subject : "in the server's chain";
  if (e.log != nullptr && !e.log->clock_known) {
    // A log that does not show the clock: the alternative to a clock never set.
    return Finding{"cert-not-yet-valid",
                   "Or: the device's clock is right and a certificate in the server's chain is really not valid yet; "
                   "the log does not show the clock, so only its reading tells this from a clock never set.",
                   {client_line(e), "client: verify flags MBEDTLS_X509_BADCERT_FUTURE"},
                   "Log the clock before the handshake; if it is right, have the server use a certificate that is "
                   "already valid."};
  }
  const bool clock_now = e.setup.time == "now";
  return Finding{
      "cert-not-yet-valid",
      clock_now ? fmt::format("The server's certificate '{}' is not valid yet: its validity starts after the "
                              "device's (correct) current time.",
                              subject)
                : fmt::format("The server's certificate '{}' is not valid yet by the device's clock, which reads {}.",
                              subject, clock_reading(e.setup.time)),
      {client_line(e), "client: verify flags MBEDTLS_X509_BADCERT_FUTURE",
       fmt::format("client: its clock read {}", clock_reading(e.setup.time))},
      clock_now ? "Fix the server: install a certificate whose notBefore has passed (or keep serving the old one "
                  "until then)."
                : "Check the device's clock (SNTP or an RTC): if it is behind, set it; if it is right, have the "
                  "server use a certificate that is already valid."};
}

// The server's certificate that should have signed the top of the chain the
// client verified (by common name): sent by the server or trusted, but not
// in the chain as verified.
const CertInfo* issuer_of_top(const Evidence& e) {
  if (e.client.peer_chain.empty()) return nullptr;
  const std::string issuer = common_name(e.client.peer_chain.back().issuer);
  if (issuer == common_name(e.client.peer_chain.back().subject)) return nullptr;  // self-signed: no issuer to find
  const CertInfo* found = nullptr;
  for (const auto& c : e.server.chain) {
    if (common_name(c.subject) == issuer && (c.sent_by_server() || c.trusted_by_client)) found = &c;
  }
  return found;
}

// An allocation that fails while Mbed TLS checks a certificate's signature
// does not surface as ALLOC_FAILED: the issuer is dropped as if its
// signature were wrong, and the chain is reported "not trusted". With the
// server's chain known, the issuer's presence confirms it; from a log alone
// (the core's heap line says a budget was imposed), it is the likely cause.
std::optional<Finding> heap_exhausted_in_verify(const Evidence& e) {
  const bool budget_imposed = e.client.heap_budget > 0 && e.client.heap_budget < e.build.heap_capacity;
  if (e.client.passed() || !budget_imposed || !(verify_flags(e) & codes::kBadCertNotTrusted)) return std::nullopt;
  const std::string heap_line = fmt::format("client: heap peak {} bytes, budget {} bytes of a {}-byte arena",
                                            e.client.heap_peak, e.client.heap_budget, e.build.heap_capacity);
  if (client_side_only(e)) {
    return Finding{
        "heap-exhausted",
        fmt::format("Most likely Mbed TLS ran out of heap while checking a certificate's signature: the handshake "
                    "ran under a {}-byte heap budget (peak {} bytes), and Mbed TLS reports an allocation that fails "
                    "there as an untrusted chain ({}).",
                    e.client.heap_budget, e.client.heap_peak, format_code(e.client.result)),
        {client_line(e), "client: verify flags MBEDTLS_X509_BADCERT_NOT_TRUSTED", heap_line},
        fmt::format("Run the handshake once without the budget: if it passes, give Mbed TLS a margin above its peak "
                    "(fragmentation needs some), or shrink MBEDTLS_SSL_IN_CONTENT_LEN / MBEDTLS_SSL_OUT_CONTENT_LEN "
                    "in {}; if it still fails, the chain is really untrusted.",
                    e.profile_file)};
  }
  const CertInfo* issuer = issuer_of_top(e);
  if (issuer == nullptr) return std::nullopt;
  return Finding{
      "heap-exhausted",
      fmt::format("Most likely Mbed TLS ran out of heap while checking the signature of '{}' by '{}': the issuer is "
                  "there ({}), but under a {}-byte budget (peak {} bytes) its signature check failed, and Mbed TLS "
                  "reports a failed allocation there as an untrusted chain ({}).",
                  e.client.peer_chain.back().subject, issuer->subject,
                  issuer->trusted_by_client ? "in the trust list" : "sent by the server", e.client.heap_budget,
                  e.client.heap_peak, format_code(e.client.result)),
      {client_line(e), "client: verify flags MBEDTLS_X509_BADCERT_NOT_TRUSTED, yet the issuer was present", heap_line},
      fmt::format("Run the handshake once without a budget to measure its peak, and give Mbed TLS a margin above it "
                  "(fragmentation of the heap needs some); or shrink MBEDTLS_SSL_IN_CONTENT_LEN / "
                  "MBEDTLS_SSL_OUT_CONTENT_LEN in {}.",
                  e.profile_file)};
}

std::optional<Finding> server_cert_signature_hash_rejected(const Evidence& e) {
  if (e.client.passed()) return std::nullopt;
  // Mbed TLS skips a certificate of the server's chain whose signature
  // algorithm it does not know (a hash left out of the build), so the chain
  // stops short of it and is "not trusted".
  if (verify_flags(e) & codes::kBadCertNotTrusted) {
    const CertInfo* dropped = issuer_of_top(e);
    if (dropped != nullptr && dropped->sent_by_server() && !dropped->trusted_by_client &&
        !hash_enabled(dropped->signature_hash, e.build)) {
      const std::string macro = hash_macro(dropped->signature_hash, e.build);
      return Finding{
          "server-cert-signature-hash-rejected",
          fmt::format("The server sends its {} '{}' signed with {}, and this build has no {}: Mbed TLS skips a "
                      "certificate whose signature algorithm it does not know, so the chain stops short of it and "
                      "is not trusted.",
                      dropped->role, dropped->subject, dropped->signature_algorithm, macro),
          {client_line(e),
           fmt::format("client: verify flags MBEDTLS_X509_BADCERT_NOT_TRUSTED; the chain as verified ends at '{}', "
                       "issued by '{}'",
                       e.client.peer_chain.back().subject, e.client.peer_chain.back().issuer),
           fmt::format("server: sent '{}' ({}) at position {}, signed with {}", dropped->subject, dropped->role,
                       *dropped->sent_position, dropped->signature_algorithm),
           fmt::format("profile {}: {} not defined", e.build.profile, macro)},
          fmt::format("Have the server's CA reissue its {} signed with SHA-256 or better; enabling {} in {} would "
                      "only make the device reject it for its hash (the default verify profile refuses SHA-1).",
                      dropped->role, macro, e.profile_file)};
    }
  }
  if (!(verify_flags(e) & codes::kBadCertBadMd)) return std::nullopt;
  const auto* pc = peer_with_flag(e, codes::kBadCertBadMd);
  const std::string who =
      pc != nullptr ? fmt::format("'{}' (signed with {})", pc->subject, pc->signature_md) : "in the server's chain";
  return Finding{
      "server-cert-signature-hash-rejected",
      fmt::format("The certificate {} uses a signature hash the device's verify profile does not accept.", who),
      {client_line(e), "client: verify flags MBEDTLS_X509_BADCERT_BAD_MD"},
      "Have the server use a certificate signed with SHA-256 or better; allowing SHA-1 on the device "
      "(mbedtls_ssl_conf_cert_profile) would accept forgeable signatures."};
}

std::optional<Finding> cert_expired(const Evidence& e) {
  if (e.client.passed() || !(verify_flags(e) & codes::kBadCertExpired)) return std::nullopt;
  const auto* pc = peer_with_flag(e, codes::kBadCertExpired);
  const CertInfo* cert = nullptr;
  for (const auto& c : e.server.chain) {
    if (pc != nullptr && common_name(c.subject) == common_name(pc->subject)) cert = &c;
  }
  const std::string subject = pc != nullptr ? pc->subject : "?";
  const std::string when = cert != nullptr ? " on " + cert->not_after : "";
  std::vector<std::string> evidence{client_line(e), "client: verify flags MBEDTLS_X509_BADCERT_EXPIRED"};
  if (pc != nullptr)
    evidence.push_back(fmt::format("client: '{}' (depth {}) is past its validity", subject, pc->depth));
  if (e.setup.time != "now" && e.setup.time != "unset") {
    // The device's clock was set to a given time: it may be the clock that is wrong.
    evidence.push_back(fmt::format("client: its clock read {}", clock_reading(e.setup.time)));
    return Finding{"cert-expired",
                   fmt::format("The certificate '{}' (valid until {}) has expired by the device's clock, which reads "
                               "{}.",
                               subject, cert != nullptr ? cert->not_after : "?", clock_reading(e.setup.time)),
                   evidence,
                   "Check the device's clock first (SNTP or an RTC): if it is ahead, set it; if it is right, renew "
                   "the expired certificate."};
  }
  if (cert != nullptr && cert->trusted_by_client) {
    return Finding{
        "cert-expired",
        fmt::format("The root CA the device trusts, '{}', expired{}; every chain ending there fails.", subject, when),
        evidence,
        "Update the device's CA list with the CA's current root (and plan CA-list updates over the "
        "device's lifetime). (If the device's clock is wrong instead, set it: SNTP or an RTC.)"};
  }
  const std::string role = cert != nullptr && cert->role != "leaf" ? cert->role + " certificate" : "certificate";
  return Finding{"cert-expired", fmt::format("The server's {} '{}' expired{}.", role, subject, when), evidence,
                 cert != nullptr && cert->role != "leaf"
                     ? "Have the server send the CA's current intermediate instead of the expired one. (If the "
                       "device's clock is wrong instead, set it: SNTP or an RTC.)"
                     : "Renew the server's certificate. (If the device's clock is wrong instead, set it: SNTP or an "
                       "RTC.)"};
}

std::optional<Finding> hostname_mismatch(const Evidence& e) {
  if (e.client.passed() || !(verify_flags(e) & codes::kBadCertCnMismatch)) return std::nullopt;
  std::vector<std::string> names;
  for (const auto& c : e.server.chain) {
    if (c.role == "leaf") names = c.dns_names;
  }
  const std::string subject = e.client.peer_chain.empty() ? "?" : e.client.peer_chain.front().subject;
  // An IPv4 or IPv6 literal as the hostname: Mbed TLS 2.x compares it with
  // DNS names (and the CN) only, never with iPAddress entries.
  const bool address =
      !e.setup.hostname.empty() && (e.setup.hostname.find(':') != std::string::npos ||
                                    e.setup.hostname.find_first_not_of("0123456789.") == std::string::npos);
  if (address && e.build.mbedtls_line.starts_with("2.")) {
    return Finding{
        "hostname-mismatch",
        fmt::format("The device names the server by its address '{}', and Mbed TLS {} matches a hostname "
                    "only against DNS names (and the CN when there are none), never against iPAddress "
                    "subjectAltNames; the certificate ('{}') names {}.",
                    e.setup.hostname, e.build.mbedtls_line, subject,
                    names.empty() ? std::string("no DNS names") : fmt::format("only {}", fmt::join(names, ", "))),
        {client_line(e), "client: verify flags MBEDTLS_X509_BADCERT_CN_MISMATCH",
         fmt::format("client: hostname '{}' is an IP address", e.setup.hostname)},
        "Connect by a DNS name the certificate carries, or move the device to Mbed TLS 3.6, which matches "
        "iPAddress subjectAltNames."};
  }
  return Finding{
      "hostname-mismatch",
      fmt::format("The device asked for '{}' but the server's certificate ('{}') names {}.", e.setup.hostname, subject,
                  names.empty() ? std::string("no DNS names") : fmt::format("{}", fmt::join(names, ", "))),
      {client_line(e), "client: verify flags MBEDTLS_X509_BADCERT_CN_MISMATCH"},
      "Connect with the name the certificate carries (mbedtls_ssl_set_hostname), or have the server's "
      "certificate name the host the device uses."};
}

std::optional<Finding> untrusted_ca(const Evidence& e) {
  if (e.client.passed() || !(verify_flags(e) & codes::kBadCertNotTrusted)) return std::nullopt;
  const auto& chain = e.client.peer_chain;
  const std::string top_issuer = chain.empty() ? "its issuer" : "'" + chain.back().issuer + "'";
  size_t sent = 0;
  const CertInfo* missing = nullptr;  // the server's certificate the client's chain stopped short of
  const CertInfo* last_verified = nullptr;
  for (const auto& c : e.server.chain) {
    sent += c.sent_by_server();
    if (chain.empty()) continue;
    if (common_name(c.subject) == common_name(chain.back().issuer)) missing = &c;
    if (common_name(c.subject) == common_name(chain.back().subject)) last_verified = &c;
  }
  std::vector<std::string> evidence{
      client_line(e),
      fmt::format("client: verify flags MBEDTLS_X509_BADCERT_NOT_TRUSTED; the chain as received ends at {}",
                  top_issuer),
      fmt::format("client: {} entries of its trust list failed to parse", e.client.trust_parse_failures)};
  // Sent, but before the certificate it signed: Mbed TLS looks for a parent
  // only further down the list, as TLS 1.2 requires the order.
  if (missing != nullptr && last_verified != nullptr && missing->sent_position && last_verified->sent_position &&
      *missing->sent_position < *last_verified->sent_position) {
    evidence.push_back(fmt::format("server: sent '{}' at position {}, before '{}' (position {}) which it signed",
                                   missing->subject, *missing->sent_position, last_verified->subject,
                                   *last_verified->sent_position));
    return Finding{"untrusted-ca",
                   fmt::format("The server sends its chain out of order: {} comes before the certificate it signed, "
                               "and Mbed TLS looks for each issuer only after the certificate, so the chain does not "
                               "lead to a CA the device trusts.",
                               top_issuer),
                   evidence,
                   "Have the server send its certificates in order, leaf first and then each issuer (TLS 1.2 "
                   "requires it), or add the intermediates to the device's CA list."};
  }
  // The issuer is there (sent, or trusted) but Mbed TLS did not take it as
  // the issuer: one of its CA constraints forbids this chain.
  if (const CertInfo* refused = issuer_of_top(e); refused != nullptr) {
    std::string limit;
    if (refused->path_length) {
      limit = fmt::format(" Its pathLenConstraint is {}, and the chain has {} CA certificate{} below it.",
                          *refused->path_length, chain.size() - 1, chain.size() == 2 ? "" : "s");
    }
    evidence.push_back(
        fmt::format("server: '{}' ({}) is {}", refused->subject, refused->role,
                    refused->trusted_by_client ? "in the device's trust list" : "in the chain it sends"));
    return Finding{
        "untrusted-ca",
        fmt::format("The chain reaches '{}' ({}), but Mbed TLS refuses it as the issuer of '{}': a CA "
                    "constraint of '{}' forbids this chain (pathLenConstraint, basicConstraints or "
                    "keyUsage), or its signature does not verify.{}",
                    refused->subject, refused->trusted_by_client ? "a CA the device trusts" : "sent by the server",
                    chain.back().subject, refused->subject, limit),
        evidence,
        fmt::format("Have the CA issue the chain within its constraints (a CA with pathLenConstraint N "
                    "allows N CA certificates below it); the device only enforces them. Check with "
                    "openssl verify -show_chain against the same chain.")};
  }
  // The chain ends at a root of the server's own that the device does not trust.
  if (!chain.empty() && common_name(chain.back().subject) == common_name(chain.back().issuer)) {
    const std::string trusted = e.server.chain.empty() ? "another CA" : "'" + e.server.chain.front().subject + "'";
    return Finding{"untrusted-ca",
                   fmt::format("The server's chain ends at its own root '{}', which the device does not trust (it "
                               "trusts {}).",
                               chain.back().subject, trusted),
                   evidence,
                   fmt::format("If the server moved to another CA, add '{}' to the device's CA list (ahead of the "
                               "switch, next time); otherwise have the server use a certificate issued under {}.",
                               chain.back().subject, trusted)};
  }
  if (missing != nullptr && !missing->sent_by_server() && !missing->trusted_by_client) {
    evidence.push_back(fmt::format("server: has '{}' ({}) but does not send it", missing->subject, missing->role));
  }
  // Without the server's side (a log alone) how many it sent is unknown.
  const std::string count = e.server.chain.empty() ? "" : fmt::format(" ({} certificates sent)", sent);
  return Finding{"untrusted-ca",
                 fmt::format("The server's chain{} does not lead to a CA the device trusts: {} is missing from the "
                             "chain or the device's trust list.",
                             count, top_issuer),
                 evidence,
                 fmt::format("Have the server send its intermediate certificates, or add {} to the device's CA list.",
                             top_issuer)};
}

std::optional<Finding> verify_optional_untrusted(const Evidence& e) {
  if (!e.client.passed() || verify_flags(e) == 0) return std::nullopt;
  return Finding{"verify-optional-untrusted",
                 fmt::format("Warning: the handshake succeeded although the server's certificate failed verification "
                             "({}): with MBEDTLS_SSL_VERIFY_OPTIONAL the device would talk to anyone.",
                             fmt::join(device::verify_flag_names(e.client.verify_flags), ", ")),
                 {fmt::format("client: passed with verify flags {}",
                              fmt::join(device::verify_flag_names(e.client.verify_flags), ", "))},
                 "mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED), as the examples other than "
                 "ssl_client1 do."};
}

std::optional<Finding> legacy_protocol_negotiated(const Evidence& e) {
  if (!e.client.passed() ||
      (e.client.version != "TLSv1" && e.client.version != "TLSv1.0" && e.client.version != "TLSv1.1")) {
    return std::nullopt;
  }
  return Finding{
      "legacy-protocol-negotiated",
      fmt::format("Warning: the handshake succeeded on {}, which is deprecated (RFC 8996).", e.client.version),
      {fmt::format("client: negotiated {} with {}", e.client.version, e.client.suite)},
      fmt::format("Set the minimum version to TLS 1.2 (mbedtls_ssl_conf_min_version, or undefine "
                  "MBEDTLS_SSL_PROTO_TLS1 and MBEDTLS_SSL_PROTO_TLS1_1 in {}).",
                  e.profile_file)};
}

using Rule = std::function<std::optional<Finding>(const Evidence&)>;

std::optional<Finding> ca_signature_hash_disabled(const Evidence& e) {
  if (e.client.stage != "load-trust" || e.client.high_part() != codes::kX509UnknownSigAlg ||
      e.client.low_part() != codes::kOidNotFound) {
    return std::nullopt;
  }
  for (const auto& cert : e.server.chain) {
    if (!cert.trusted_by_client || hash_enabled(cert.signature_hash, e.build)) continue;
    std::string macro = hash_macro(cert.signature_hash, e.build);
    return Finding{"ca-signature-hash-disabled",
                   fmt::format("The trusted CA '{}' is signed with {}, and {} is off in this build, so "
                               "mbedtls_x509_crt_parse cannot parse it ({}).",
                               cert.subject, cert.signature_algorithm, macro, format_code(e.client.result)),
                   {client_line(e), fmt::format("{}: signature {}; profile {}: {} not defined", cert.role,
                                                cert.signature_algorithm, e.build.profile, macro)},
                   fmt::format("#define {} in {}; better, trust a root signed with SHA-256.", macro, e.profile_file)};
  }
  return std::nullopt;
}

std::optional<Finding> rsa_key_too_large_for_mpi(const Evidence& e) {
  if (magnitude(e.client) != codes::kPkInvalidPubkey && e.client.high_part() != codes::kPkInvalidPubkey) {
    return std::nullopt;
  }
  const bool at_load = e.client.stage == "load-trust";
  const size_t max_bits = e.build.mpi_max_size * 8;
  for (const auto& cert : e.server.chain) {
    const bool reached_client = at_load ? cert.trusted_by_client : cert.sent_by_server();
    if (!reached_client || cert.key_type != "RSA" || static_cast<size_t>(cert.key_bits) <= max_bits) continue;
    return Finding{
        "rsa-key-too-large-for-mpi",
        fmt::format("The {} '{}' has an RSA-{} key, but MBEDTLS_MPI_MAX_SIZE is {} bytes ({}-bit numbers), so "
                    "Mbed TLS rejects the key as invalid ({}).",
                    cert.role, cert.subject, cert.key_bits, e.build.mpi_max_size, max_bits,
                    format_code(e.client.result)),
        {client_line(e), fmt::format("{}: {} {}-bit key; profile {}: MBEDTLS_MPI_MAX_SIZE {}", cert.role, cert.key_type,
                                     cert.key_bits, e.build.profile, e.build.mpi_max_size)},
        fmt::format("#define MBEDTLS_MPI_MAX_SIZE {} in {} (RSA-{} needs {} bytes).", cert.key_bits / 8, e.profile_file,
                    cert.key_bits, cert.key_bits / 8)};
  }
  return std::nullopt;
}

std::optional<Finding> record_too_large_for_input_buffer(const Evidence& e) {
  const uint32_t m = magnitude(e.client);
  if (e.client.stage != "handshake" || (m != codes::kSslBadInputData && m != codes::kSslInvalidRecord) ||
      !e.server.connection) {
    return std::nullopt;
  }
  const servers::RecordSeen* big = e.server.connection->largest_record();
  if (big == nullptr || big->length <= e.build.in_content_len) return std::nullopt;
  const char* what = big->handshake_type >= 0 ? servers::handshake_type_name(big->handshake_type) : "a";
  size_t chain_bytes = 0, chain_count = 0;
  for (const auto& cert : e.server.chain) {
    if (cert.sent_by_server()) chain_bytes += cert.der_size, ++chain_count;
  }
  return Finding{"record-too-large-for-input-buffer",
                 fmt::format("The server's {} record is {} bytes, but this build's input buffer holds {} "
                             "(MBEDTLS_SSL_IN_CONTENT_LEN), so the client drops it without an alert ({}).",
                             what, big->length, e.build.in_content_len, format_code(e.client.result)),
                 {client_line(e),
                  fmt::format("server: sent a {}-byte {} record; its chain is {} certificates, {} bytes", big->length,
                              what, chain_count, chain_bytes),
                  fmt::format("profile {}: MBEDTLS_SSL_IN_CONTENT_LEN {}", e.build.profile, e.build.in_content_len)},
                 largest_server_message(e.server.connection->transcript) + 4 > e.build.in_content_len
                     ? fmt::format("#define MBEDTLS_SSL_IN_CONTENT_LEN {} in {}; or have the server send a shorter "
                                   "chain. A max fragment length does not help: Mbed TLS holds a whole handshake "
                                   "message in its input buffer, and this one does not fit.",
                                   next_buffer_size(big->length), e.profile_file)
                     : fmt::format("#define MBEDTLS_SSL_IN_CONTENT_LEN {} in {}; or have the server send a shorter "
                                   "chain, or (Mbed TLS 3.6) negotiate a max fragment length if the server supports "
                                   "it.",
                                   next_buffer_size(big->length), e.profile_file)};
}

// Records that fit, but a handshake message that does not: Mbed TLS
// reassembles a handshake message in its input buffer, so smaller records
// (max fragment length) do not shrink the buffer it needs.
std::optional<Finding> handshake_message_too_large_for_input_buffer(const Evidence& e) {
  const uint32_t m = magnitude(e.client);
  if (e.client.stage != "handshake" || (m != codes::kSslBadInputData && m != codes::kSslInvalidRecord) ||
      !e.server.connection) {
    return std::nullopt;
  }
  const auto& conn = *e.server.connection;
  const servers::RecordSeen* big = conn.largest_record();
  const servers::HandshakeMessage* message = nullptr;
  for (const auto& msg : conn.transcript) {
    if (msg.from_server && msg.length + 4 > e.build.in_content_len &&
        (message == nullptr || msg.length > message->length)) {
      message = &msg;
    }
  }
  if (big == nullptr || big->length > e.build.in_content_len || message == nullptr) return std::nullopt;
  const int asked = conn.client_hello ? conn.client_hello->max_fragment_length : 0;
  const size_t size = message->length + 4;
  return Finding{
      "handshake-message-too-large-for-input-buffer",
      fmt::format("The server's {} message is {} bytes; it arrives in records of at most {} bytes{}, but Mbed TLS "
                  "reassembles a handshake message in its input buffer, which holds {} (MBEDTLS_SSL_IN_CONTENT_LEN), "
                  "so it fails ({}).",
                  servers::handshake_type_name(message->type), size, big->length,
                  asked != 0 ? fmt::format(" (the max fragment length of {} the client asked for)", asked) : "",
                  e.build.in_content_len, format_code(e.client.result)),
      {client_line(e),
       fmt::format("server: its {} message is {} bytes with its header; its largest record {} bytes",
                   servers::handshake_type_name(message->type), size, big->length),
       fmt::format("profile {}: MBEDTLS_SSL_IN_CONTENT_LEN {}", e.build.profile, e.build.in_content_len)},
      fmt::format("#define MBEDTLS_SSL_IN_CONTENT_LEN {} in {}, or have the server send a shorter chain; a smaller "
                  "max fragment length cannot save this buffer.",
                  next_buffer_size(size), e.profile_file)};
}

std::optional<Finding> max_fragment_length_not_honoured(const Evidence& e) {
  if (e.client.passed() || e.client.stage != "handshake" || !e.server.connection ||
      !e.server.connection->client_hello) {
    return std::nullopt;
  }
  const int asked = e.server.connection->client_hello->max_fragment_length;
  const servers::RecordSeen* big = e.server.connection->largest_record();
  if (asked == 0 || big == nullptr || big->length <= static_cast<size_t>(asked) ||
      big->length <= e.build.in_content_len) {
    return std::nullopt;
  }
  return Finding{
      "max-fragment-length-not-honoured",
      fmt::format("The client asked for records of at most {} bytes (max fragment length) to fit its {}-byte input "
                  "buffer, but the server sent a {}-byte record anyway.",
                  asked, e.build.in_content_len, big->length),
      {client_line(e), fmt::format("server: the ClientHello asked for max fragment length {}", asked),
       fmt::format("server: sent a {}-byte record ({})", big->length,
                   big->handshake_type >= 0 ? servers::handshake_type_name(big->handshake_type) : "type unknown")},
      fmt::format("The server does not honour max fragment length: size the device's input buffer for its largest "
                  "record (#define MBEDTLS_SSL_IN_CONTENT_LEN {} in {}), or have the server send a shorter chain.",
                  next_buffer_size(big->length), e.profile_file)};
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

const CertInfo* server_leaf(const Evidence& e) {
  for (const auto& c : e.server.chain) {
    if (c.role == "leaf") return &c;
  }
  return nullptr;
}

// The server leaf's key when the ClientHello leaves the server no way to use
// it; nullptr otherwise.
const LeafKey* unusable_leaf_key(const Evidence& e) {
  const CertInfo* leaf = server_leaf(e);
  if (leaf == nullptr || !e.server.connection || !e.server.connection->client_hello) return nullptr;
  const auto& hello = *e.server.connection->client_hello;
  auto has = [](const std::vector<uint16_t>& list, uint16_t id) {
    return std::find(list.begin(), list.end(), id) != list.end();
  };
  const bool tls13 = e.server.min_version == "tls1.3";
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
  if (e.client.passed() || e.client.stage != "handshake") return std::nullopt;
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
    return Finding{"server-key-type-disabled",
                   fmt::format("The server's certificate has an {} key, but Mbed TLS has no {} signatures (neither "
                               "2.28 nor 3.6): its ClientHello does not offer the scheme 0x{:04x}, so the server "
                               "cannot use its certificate with this client{}.",
                               key->name, key->name, key->scheme, openssl),
                   evidence,
                   fmt::format("No config line adds {} to Mbed TLS: have the server use an ECDSA P-256 (or RSA) "
                               "certificate, or serve one alongside the {} certificate for such clients.",
                               key->name, key->name)};
  }
  std::string fix = fmt::format("Enable {} in {} (the certificate's curve)", group_macro(key->group), e.profile_file);
  if (!hash_enabled(key->hash, e.build)) {
    fix += fmt::format(" and {} (its ECDSA signature hash)", hash_macro(key->hash, e.build));
  }
  fix += fmt::format("; or have the server use a certificate with a key the device supports.");
  return Finding{"server-key-type-disabled",
                 fmt::format("The server's certificate has an EC {} key, but the client was built without {}: its "
                             "ClientHello offers only the groups {}, so the server cannot use its certificate with "
                             "this client{}.",
                             key->name, key->name, group_list(hello.groups), openssl),
                 evidence, fix};
}

std::optional<Finding> no_shared_ciphersuite(const Evidence& e) {
  if (e.client.stage != "handshake") return std::nullopt;
  // What the client offered: the server's capture, or the client's own
  // reading of its ClientHello when the peer keeps no capture (s_server).
  const servers::ConnectionCapture* conn = e.server.connection ? &*e.server.connection : nullptr;
  if (conn != nullptr && !conn->client_hello) return std::nullopt;
  const auto& all = conn != nullptr ? conn->client_hello->cipher_suites : e.client.offered_suites;
  std::vector<uint16_t> offered;
  for (auto id : all) {
    if (!servers::is_signalling_suite(id)) offered.push_back(id);
  }
  std::vector<uint16_t> accepted;
  for (const auto& s : e.server.accepted_suites) accepted.push_back(s.id);
  const bool shared = std::any_of(offered.begin(), offered.end(), [&](uint16_t id) {
    return std::find(accepted.begin(), accepted.end(), id) != accepted.end();
  });
  const bool server_says_so = conn != nullptr && conn->verdict.find("no shared cipher") != std::string::npos;
  if ((shared && !server_says_so) || accepted.empty() || offered.empty()) return std::nullopt;
  // Suites in common, but OpenSSL could not use its certificate with them.
  if (shared && unusable_leaf_key(e) != nullptr) return std::nullopt;

  // The suite to add: one the build already has (only the application's
  // run-time list left it out), else the server's first.
  const auto& build_suites = e.build.ciphersuites;
  auto in_build = [&](const servers::SuiteName& s) {
    return std::find(build_suites.begin(), build_suites.end(), s.id) != build_suites.end();
  };
  const auto built = std::find_if(e.server.accepted_suites.begin(), e.server.accepted_suites.end(), in_build);
  const auto& wanted = built != e.server.accepted_suites.end() ? *built : e.server.accepted_suites.front();
  std::vector<std::string> accepted_names;
  for (const auto& s : e.server.accepted_suites) accepted_names.push_back(s.openssl_name);
  std::string fix;
  if (built != e.server.accepted_suites.end()) {
    fix = fmt::format(
        "The build has {} but the application leaves it out: add MBEDTLS_{} to the list it passes to "
        "mbedtls_ssl_conf_ciphersuites.",
        suite_label(wanted.id), wanted.iana_name);
  } else {
    fix = fmt::format("Add MBEDTLS_{} to MBEDTLS_SSL_CIPHERSUITES in {}.", wanted.iana_name, e.profile_file);
  }
  Finding f{"no-shared-ciphersuite",
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
  if (e.client.passed() || e.client.stage != "handshake" || !e.server.connection ||
      !e.server.connection->client_hello || !e.server.accepted_suites.empty() ||
      e.server.connection->verdict.find("no shared cipher") == std::string::npos) {
    return std::nullopt;
  }
  const CertInfo* leaf = server_leaf(e);
  if (leaf == nullptr) return std::nullopt;
  const bool rsa = leaf->key_type == "RSA";
  return Finding{
      "server-suites-unusable-with-certificate",
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

std::optional<Finding> rejected_after_client_hello(const Evidence& e) {
  const uint32_t m = magnitude(e.client);
  if (e.client.stage != "handshake" || e.client.handshake_state > kStateServerHello ||
      (m != codes::kNetConnReset && m != codes::kSslConnEof)) {
    return std::nullopt;
  }
  const bool reset = m == codes::kNetConnReset;
  Finding f{reset ? "connection-reset-after-client-hello" : "connection-closed-after-client-hello",
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

bool is_rsa_pss_rsae(uint16_t scheme) {
  return scheme >= 0x0804 && scheme <= 0x0806;
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
  if (e.client.passed() || e.client.stage != "handshake" || !e.server.connection ||
      !e.server.connection->client_hello) {
    return std::nullopt;
  }
  const auto& conn = *e.server.connection;
  const auto& offered = conn.client_hello->signature_algorithms;
  const CertInfo* leaf = server_leaf(e);
  const std::string key = leaf != nullptr ? fmt::format("{} {}-bit", leaf->key_type, leaf->key_bits) : "?";
  const bool server_found_none = conn.verdict.find("no shared signature algorithm") != std::string::npos;
  const bool offered_pss = std::any_of(offered.begin(), offered.end(), is_rsa_pss_rsae);
  const bool sent_illegal_parameter = std::any_of(e.client.alerts_sent.begin(), e.client.alerts_sent.end(),
                                                  [](const device::AlertSeen& a) { return a.description == 47; });
  const bool pss_rejected_in_tls12 = magnitude(e.client) == 0x6600 && e.client.handshake_state == 4 &&
                                     sent_illegal_parameter && leaf != nullptr && leaf->key_type == "RSA" &&
                                     offered_pss && e.server.max_version == "tls1.2" &&
                                     !e.build.mbedtls_line.starts_with("2.");
  if (!server_found_none && !pss_rejected_in_tls12) return std::nullopt;
  std::vector<std::string> evidence{
      client_line(e), fmt::format("server: its certificate has an {} key; the ClientHello offered signature schemes {}",
                                  key, scheme_list(offered))};
  if (!conn.verdict.empty()) evidence.push_back(fmt::format("server: OpenSSL's verdict: {}", conn.verdict));
  if (pss_rejected_in_tls12) {
    evidence.push_back(
        "client: sent illegal_parameter (47) on the ServerKeyExchange's signature scheme (client state 4)");
    return Finding{
        "no-shared-signature-algorithm",
        fmt::format("The TLS 1.2 server signed its ServerKeyExchange with RSA-PSS: Mbed TLS {} offered RSA-PSS ({}) "
                    "because TLS 1.3 is enabled, but its TLS 1.2 code accepts only PKCS#1 v1.5 RSA signatures and "
                    "rejects the scheme ({}).",
                    e.build.mbedtls_line, scheme_list([&] {
                      std::vector<uint16_t> pss;
                      std::copy_if(offered.begin(), offered.end(), std::back_inserter(pss), is_rsa_pss_rsae);
                      return pss;
                    }()),
                    format_code(e.client.result)),
        evidence,
        "Have the server allow rsa_pkcs1_sha256 (RSA+SHA256) over TLS 1.2, or TLS 1.3 (where Mbed TLS verifies "
        "RSA-PSS). On the device, a build without MBEDTLS_SSL_PROTO_TLS1_3 does not offer RSA-PSS, so a server "
        "that also allows PKCS#1 signs with that; the offer-then-reject is a known Mbed TLS issue "
        "(Mbed-TLS/mbedtls#10668)."};
  }
  const bool rsa_tls12 = leaf != nullptr && leaf->key_type == "RSA" && e.server.max_version == "tls1.2";
  return Finding{"no-shared-signature-algorithm",
                 fmt::format("The server can sign with its {} key only in schemes the client does not offer (it "
                             "offered {}); OpenSSL found no shared signature algorithm.",
                             key, scheme_list(offered)),
                 evidence,
                 rsa_tls12 && !offered_pss
                     ? "Have the server allow rsa_pkcs1_sha256 (RSA+SHA256) over TLS 1.2: Mbed TLS verifies RSA-PSS "
                       "only in TLS 1.3 (3.6 with MBEDTLS_SSL_PROTO_TLS1_3), so no device config line adds it here."
                     : "Have the server allow a signature scheme the client offers for its key, or enable on the "
                       "device the hash or scheme the server signs with."};
}

// A fatal alert in answer to the ClientHello that no more specific rule
// explains: name the alert and what it points to.
std::optional<Finding> alert_after_client_hello(const Evidence& e) {
  if (e.client.passed() || e.client.stage != "handshake" || e.client.handshake_state > kStateServerHello ||
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
      // That the versions overlap is known only from the server's capture.
      if (e.server.connection) {
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
      what = fmt::format("its refusal of the ClientHello ({})", device::alert_name(alert));
      fix = "Compare the ClientHello with what the server accepts; the server's own log names the cause.";
  }
  Finding f{"alert-after-client-hello",
            fmt::format("The server answered the ClientHello with the fatal alert {} ({}): {}.", alert,
                        device::alert_name(alert), what),
            {client_line(e), fmt::format("client: received fatal alert {} ({}) {}", alert, device::alert_name(alert),
                                         waiting_for(e.client.handshake_state))},
            fix};
  if (e.server.connection && e.server.connection->client_hello) {
    const auto& hello = *e.server.connection->client_hello;
    std::vector<std::string> versions;
    for (auto v : offered_versions(hello)) versions.push_back(version_name(v));
    f.evidence.push_back(fmt::format("server: the ClientHello offered {}, suites {}, extensions {}",
                                     fmt::join(versions, ", "), hex_list(hello.cipher_suites),
                                     fmt::join(hello.extensions, ", ")));
    if (!e.server.connection->verdict.empty()) {
      f.evidence.push_back(fmt::format("server: OpenSSL's verdict: {}", e.server.connection->verdict));
    }
  }
  return f;
}

// The client set no hostname (mbedtls_ssl_set_hostname): Mbed TLS 3.6.3 and
// later refuse to verify a certificate then; older lines verify the chain
// but check no name, so any certificate from a trusted CA passes.
std::optional<Finding> hostname_not_set(const Evidence& e) {
  const bool refused = !e.client.passed() && magnitude(e.client) == codes::kSslVerifyWithoutHostname;
  const servers::ClientHelloCapture* hello =
      e.server.connection && e.server.connection->client_hello ? &*e.server.connection->client_hello
      : e.log != nullptr && e.log->client_hello                ? &*e.log->client_hello
                                                                : nullptr;
  const bool unchecked = e.client.passed() && e.setup.auth_mode == 2 && hello != nullptr && hello->server_name.empty();
  if (!refused && !unchecked) return std::nullopt;
  const std::string leaf = e.client.peer_chain.empty() ? "?" : e.client.peer_chain.front().subject;
  const std::string fix =
      "Call mbedtls_ssl_set_hostname(&ssl, \"<server name>\") before the handshake: it sends SNI and checks the "
      "certificate's name.";
  if (refused) {
    return Finding{
        "hostname-not-set",
        fmt::format("The device set no hostname, and Mbed TLS {} refuses to verify a server certificate "
                    "without one ({}): it cannot tell whose certificate it is.",
                    e.build.mbedtls_version.empty() ? e.build.mbedtls_line : e.build.mbedtls_version,
                    format_code(e.client.result)),
        {client_line(e), "client: no hostname set; MBEDTLS_ERR_SSL_CERTIFICATE_VERIFICATION_WITHOUT_HOSTNAME"},
        fix};
  }
  return Finding{"hostname-not-set",
                 fmt::format("Warning: the device set no hostname, so it checked no name: it accepted the "
                             "certificate '{}' only because a CA it trusts issued it.",
                             leaf),
                 {fmt::format("client: passed with no hostname set; the server's certificate is '{}'", leaf),
                  "server: the ClientHello named no server (no SNI)"},
                 fix};
}

// Handshake messages split over several records: Mbed TLS 2.28 cannot put
// them back together over TLS (only DTLS), 3.6 can; and neither line takes
// a record that does not hold a whole 4-byte handshake header.
std::optional<Finding> handshake_message_fragmented(const Evidence& e) {
  const uint32_t m = magnitude(e.client);
  if (e.client.passed() || e.client.stage != "handshake" ||
      (m != codes::kSslFeatureUnavailable && m != codes::kSslInvalidRecord)) {
    return std::nullopt;
  }
  if (!e.server.connection) {
    // A stock peer keeps no capture: what the client read must do. On 2.28,
    // FEATURE_UNAVAILABLE while reading the server's flight, in records that
    // fit the buffer, is its "handshake fragmentation not supported".
    const int state = e.client.handshake_state;
    if (m != codes::kSslFeatureUnavailable || !e.build.mbedtls_line.starts_with("2.") || state < kStateServerHello ||
        state > 6 || e.client.largest_record_received == 0 ||
        e.client.largest_record_received > e.build.in_content_len) {
      return std::nullopt;
    }
    return Finding{"handshake-message-fragmented",
                   fmt::format("Mbed TLS {} failed {} ({}): the server splits its handshake messages over records (the "
                               "largest the client read was {} bytes), and {} cannot reassemble them over TLS.",
                               e.build.mbedtls_line, waiting_for(state), format_code(e.client.result),
                               e.client.largest_record_received, e.build.mbedtls_line),
                   {client_line(e), fmt::format("client: {} records read, the largest {} bytes",
                                                e.client.records_received, e.client.largest_record_received)},
                   "Have the server send each handshake message in one record (its record size limit), or move the "
                   "device to Mbed TLS 3.6, which reassembles fragmented handshake messages."};
  }
  const auto& conn = *e.server.connection;
  size_t largest_record = 0, smallest_record = SIZE_MAX, records = 0;
  for (const auto& r : conn.records_sent) {
    if (r.content_type != 22 || r.encrypted) continue;
    largest_record = std::max(largest_record, r.length);
    smallest_record = std::min(smallest_record, r.length);
    ++records;
  }
  const servers::HandshakeMessage* split = nullptr;
  for (const auto& msg : conn.transcript) {
    if (msg.from_server && msg.length + 4 > largest_record) {
      split = &msg;
      break;
    }
  }
  if (split == nullptr || largest_record == 0) return std::nullopt;
  constexpr size_t kHeader = 4;
  const bool header_split =
      m == codes::kSslInvalidRecord && smallest_record < kHeader && largest_record <= e.build.in_content_len;
  if (m == codes::kSslInvalidRecord && !header_split) return std::nullopt;
  std::vector<std::string> evidence{client_line(e),
                                    fmt::format("server: sent {} plaintext handshake records of {} to {} bytes",
                                                records, smallest_record, largest_record),
                                    fmt::format("server: its {} message is {} bytes with its header",
                                                servers::handshake_type_name(split->type), split->length + kHeader)};
  if (header_split) {
    return Finding{
        "handshake-message-fragmented",
        fmt::format("The server split its handshake into records of {} byte{}, smaller than a handshake message's "
                    "4-byte header, and Mbed TLS (2.28 and 3.6 alike) needs each handshake record to start with a "
                    "whole header: it rejects the record ({}).",
                    smallest_record, smallest_record == 1 ? "" : "s", format_code(e.client.result)),
        evidence,
        "Have the server (or the middlebox in front of it) send handshake records of at least a whole message "
        "header, better whole messages; no Mbed TLS configuration accepts a split header."};
  }
  const int asked = conn.client_hello ? conn.client_hello->max_fragment_length : 0;
  return Finding{
      "handshake-message-fragmented",
      fmt::format("The server split its {} message ({} bytes) over records of at most {} bytes{}, and Mbed TLS {} "
                  "cannot reassemble a handshake message from several records over TLS ({}).",
                  servers::handshake_type_name(split->type), split->length + kHeader, largest_record,
                  asked != 0 ? fmt::format(" (the max fragment length of {} the client asked for)", asked) : "",
                  e.build.mbedtls_line, format_code(e.client.result)),
      evidence,
      asked != 0 ? fmt::format("Do not ask for a max fragment length smaller than the server's handshake messages on "
                               "Mbed TLS {}: size MBEDTLS_SSL_IN_CONTENT_LEN in {} for them instead; or move to Mbed "
                               "TLS 3.6, which reassembles fragmented handshake messages.",
                               e.build.mbedtls_line, e.profile_file)
                 : "Have the server send each handshake message in one record (its record size limit), or move the "
                   "device to Mbed TLS 3.6, which reassembles fragmented handshake messages."};
}

std::optional<Finding> handshake_timeout(const Evidence& e) {
  if (magnitude(e.client) != codes::kSslTimeout) return std::nullopt;
  return Finding{"handshake-timeout",
                 fmt::format("The server went silent: no answer within the read timeout, {} (client state {}).",
                             waiting_for(e.client.handshake_state), e.client.handshake_state),
                 {client_line(e)},
                 "Keep a read timeout configured on the device (mbedtls_ssl_conf_read_timeout) so a silent server "
                 "ends in an error instead of a hang; then find why the server stalls."};
}

// ---- From the client's side only (`shakedown explain`: a log, no server) ----
// These read what a device's debug log shows and word the finding so; they
// fire only when nothing is known of the server.

bool alloc_failed(const device::ClientReport& c) {
  const uint32_t high = c.high_part(), low = c.low_part();
  return high == codes::kSslAllocFailed || high == codes::kX509AllocFailed || high == codes::kPkAllocFailed ||
         high == codes::kEcpAllocFailed || low == codes::kMpiAllocFailed ||
         c.result_name.find("ALLOC_FAILED") != std::string::npos;
}

std::optional<Finding> heap_exhausted_from_log(const Evidence& e) {
  if (!client_side_only(e) || e.client.passed() || !alloc_failed(e.client)) return std::nullopt;
  return Finding{"heap-exhausted",
                 fmt::format("Mbed TLS ran out of heap: an allocation failed in {} ({}).", e.client.failed_call,
                             format_code(e.client.result)),
                 {client_line(e)},
                 fmt::format("Give Mbed TLS more heap (its peak on a passing handshake, measured with `shakedown "
                             "run`), or shrink MBEDTLS_SSL_IN_CONTENT_LEN / MBEDTLS_SSL_OUT_CONTENT_LEN in {}.",
                             e.profile_file)};
}

std::optional<Finding> ca_signature_hash_disabled_from_log(const Evidence& e) {
  if (!client_side_only(e) || e.client.stage != "load-trust" || e.client.high_part() != codes::kX509UnknownSigAlg ||
      e.client.low_part() != codes::kOidNotFound) {
    return std::nullopt;
  }
  return Finding{"ca-signature-hash-disabled",
                 fmt::format("A CA certificate the device trusts is signed with a hash this build does not have, so "
                             "mbedtls_x509_crt_parse cannot parse it ({}: unknown signature algorithm, OID not "
                             "found); most often a SHA-1 root with MBEDTLS_SHA1_C off.",
                             format_code(e.client.result)),
                 {client_line(e)},
                 fmt::format("Enable the CA's signature hash in {} (#define MBEDTLS_SHA1_C for a SHA-1 root; "
                             "MBEDTLS_MD_CAN_SHA1 on 3.6 with PSA), or better, trust a root signed with SHA-256.",
                             e.profile_file)};
}

std::optional<Finding> rsa_key_too_large_from_log(const Evidence& e) {
  if (!client_side_only(e) || (magnitude(e.client) != codes::kPkInvalidPubkey &&
                               e.client.high_part() != codes::kPkInvalidPubkey)) {
    return std::nullopt;
  }
  int bits = 0;
  for (const auto& c : e.client.peer_chain) {
    if (c.key_type == "RSA") bits = std::max(bits, c.key_bits);
  }
  const std::string where = e.client.stage == "load-trust" ? "a trusted CA certificate" : "the server's certificate";
  return Finding{"rsa-key-too-large-for-mpi",
                 fmt::format("Mbed TLS rejects the RSA key of {} as invalid ({}): the key is larger than "
                             "MBEDTLS_MPI_MAX_SIZE allows{}.",
                             where, format_code(e.client.result),
                             bits > 0 ? fmt::format(" (an RSA-{} key needs {} bytes)", bits, bits / 8)
                                      : " (an RSA-4096 key needs 512 bytes)"),
                 {client_line(e)},
                 fmt::format("#define MBEDTLS_MPI_MAX_SIZE {} in {} (the default 1024 fits RSA-8192).",
                             bits > 0 ? bits / 8 : 512, e.profile_file)};
}

// Records the input buffer cannot hold: Mbed TLS logs "requesting more data
// than fits" and fails with BAD_INPUT_DATA, or a too-long record with
// INVALID_RECORD.
std::optional<Finding> record_too_large_from_log(const Evidence& e) {
  const uint32_t m = magnitude(e.client);
  const bool overflow = e.log != nullptr && e.log->input_overflow;
  if (!client_side_only(e) || e.client.stage != "handshake" ||
      (m != codes::kSslBadInputData && m != codes::kSslInvalidRecord) ||
      (e.client.largest_record_received <= 512 && !overflow) || (e.log != nullptr && e.log->reassembling)) {
    return std::nullopt;
  }
  const uint32_t size = e.client.largest_record_received;
  const std::string record = size > 0 ? fmt::format("{}-byte", size) : "larger";
  const bool asked_mfl = e.log != nullptr && e.log->client_hello && e.log->client_hello->max_fragment_length != 0;
  if (asked_mfl) {
    return Finding{"max-fragment-length-not-honoured",
                   fmt::format("The client asked for small records (max fragment length), but the server sent a "
                               "{} record anyway, larger than the client's input buffer ({}).",
                               record, format_code(e.client.result)),
                   {client_line(e), fmt::format("client: received a {} record than its buffer holds", record)},
                   fmt::format("The server does not honour max fragment length: size the input buffer for its "
                               "largest record (MBEDTLS_SSL_IN_CONTENT_LEN{} in {}), or have the server send a "
                               "shorter chain.",
                               size > 0 ? fmt::format(" {}", next_buffer_size(size)) : "", e.profile_file)};
  }
  return Finding{"record-too-large-for-input-buffer",
                 fmt::format("The server sent a {} {} record, larger than this build's input buffer "
                             "(MBEDTLS_SSL_IN_CONTENT_LEN), so the client drops it without an alert ({}).",
                             size > 0 ? fmt::format("{}-byte", size) : "too large a",
                             e.client.largest_record_handshake_type >= 0
                                 ? servers::handshake_type_name(static_cast<uint8_t>(e.client.largest_record_handshake_type))
                                 : waiting_for(e.client.handshake_state).find("Certificate") != std::string::npos
                                       ? "Certificate"
                                       : "handshake",
                             format_code(e.client.result)),
                 {client_line(e), size > 0 ? fmt::format("client: received a {}-byte record {}", size,
                                                         waiting_for(e.client.handshake_state))
                                           : "client: \"requesting more data than fits\" " +
                                                 waiting_for(e.client.handshake_state)},
                 size > 0 ? fmt::format("#define MBEDTLS_SSL_IN_CONTENT_LEN {} in {}; or have the server send a "
                                        "shorter chain.",
                                        next_buffer_size(size), e.profile_file)
                          : fmt::format("Raise MBEDTLS_SSL_IN_CONTENT_LEN in {} to the server's largest record (its "
                                        "Certificate message; `shakedown run` on the reproducer measures it), or "
                                        "have the server send a shorter chain.",
                                        e.profile_file)};
}

// Handshake records too small for Mbed TLS: a record shorter than a
// handshake header (INVALID_RECORD) or, on 2.x, a message split over records
// (FEATURE_UNAVAILABLE).
std::optional<Finding> handshake_fragmented_from_log(const Evidence& e) {
  const uint32_t m = magnitude(e.client);
  if (!client_side_only(e) || e.client.stage != "handshake" || e.client.records_received == 0) return std::nullopt;
  const bool tiny = m == codes::kSslInvalidRecord &&
                    (e.client.largest_record_received < 4 || (e.log != nullptr && e.log->message_too_short));
  const bool split = m == codes::kSslFeatureUnavailable &&
                     (e.build.mbedtls_line.starts_with("2.") || (e.log != nullptr && e.log->fragmentation_unsupported));
  if (!tiny && !split) return std::nullopt;
  return Finding{"handshake-message-fragmented",
                 tiny ? fmt::format("The server sends handshake records smaller than a handshake message's 4-byte "
                                    "header, and Mbed TLS rejects them ({}).",
                                    format_code(e.client.result))
                      : fmt::format("The server splits a handshake message over several records, and Mbed TLS {} "
                                    "cannot reassemble it ({}).",
                                    e.build.mbedtls_line, format_code(e.client.result)),
                 {client_line(e), fmt::format("client: {} records received, the largest {} bytes",
                                              e.client.records_received, e.client.largest_record_received)},
                 "Have the server send each handshake message in one record; Mbed TLS 3.6 reassembles messages "
                 "split over records, but no version accepts a split header."};
}

std::optional<Finding> server_cert_hash_from_log(const Evidence& e) {
  if (!client_side_only(e) || e.client.passed()) return std::nullopt;
  const uint32_t flags = verify_flags(e);
  if ((flags & (codes::kBadCertNotTrusted | codes::kBadCertBadMd)) == 0) return std::nullopt;
  for (const auto& c : e.client.peer_chain) {
    if (c.signature_md != "sha1" && c.signature_md != "md5") continue;
    return Finding{"server-cert-signature-hash-rejected",
                   fmt::format("The server's certificate '{}' is signed with {}, which this client's verify profile "
                               "rejects, so the chain does not verify ({}).",
                               c.subject, c.signature_md, format_code(e.client.result)),
                   {client_line(e), fmt::format("client: certificate #{} '{}' signed with {}", c.depth + 1, c.subject,
                                                c.signature_md)},
                   "Have the server use a chain signed with SHA-256 or better; allowing SHA-1 in the device's "
                   "verify profile (mbedtls_ssl_conf_cert_profile) weakens every connection."};
  }
  return std::nullopt;
}

std::optional<Finding> client_certificate_finding(const Evidence& e, const std::string& how);

std::optional<Finding> client_certificate_required_from_log(const Evidence& e) {
  if (!client_side_only(e) || e.client.alerts_received.empty()) return std::nullopt;
  const uint8_t alert = e.client.alerts_received.back().description;
  const bool tls13 = alert == codes::kAlertCertificateRequired;
  const bool tls12 = alert == 40 && e.client.handshake_state >= 7;  // after the client's flight
  if (!tls13 && !tls12) return std::nullopt;
  return client_certificate_finding(e, fmt::format("answered with alert {} ({})", alert, device::alert_name(alert)));
}

// TLS 1.2: the server asked for a certificate, the client sent an empty one,
// and the server dropped the connection during the client's flight.
std::optional<Finding> client_certificate_dropped_from_log(const Evidence& e) {
  const uint32_t m = magnitude(e.client);
  if (!client_side_only(e) || e.log == nullptr || !e.log->certificate_requested) return std::nullopt;
  // TLS 1.2: during the client's flight; TLS 1.3: at the first exchange
  // after a handshake in which the client sent no certificate.
  const bool in_flight = e.client.handshake_state >= 7 && e.client.handshake_state <= 13;
  const bool at_first_exchange = e.client.stage == "exchange" && e.log->sent_no_certificate;
  if (e.client.passed() || !(in_flight || at_first_exchange) ||
      (m != codes::kNetConnReset && m != codes::kSslConnEof)) {
    return std::nullopt;
  }
  return client_certificate_finding(e, m == codes::kNetConnReset ? "reset the connection" : "closed the connection");
}

std::optional<Finding> client_certificate_finding(const Evidence& e, const std::string& how) {
  return Finding{"client-certificate-required",
                 fmt::format("The server requires a client certificate (mutual TLS) and the device sent none; it {}.",
                             how),
                 {client_line(e), fmt::format("client: the server {} {}", how,
                                              e.client.stage == "exchange" ? "after the handshake, to the first request"
                                                                           : waiting_for(e.client.handshake_state))},
                 "Give the device a certificate and key the server's CA issued (mbedtls_ssl_conf_own_cert), or turn "
                 "off client authentication on the server."};
}

std::optional<Finding> protocol_version_from_log(const Evidence& e) {
  if (!client_side_only(e) || e.client.passed() ||
      (!received_alert(e, codes::kAlertProtocolVersion) && magnitude(e.client) != codes::kSslBadProtocolVersion)) {
    return std::nullopt;
  }
  std::vector<std::string> versions;
  if (e.log != nullptr && e.log->client_hello) {
    for (auto v : offered_versions(*e.log->client_hello)) versions.push_back(version_name(v));
  }
  const std::string offered = versions.empty() ? "" : fmt::format(" (it offered {})", fmt::join(versions, ", "));
  return Finding{"protocol-version-mismatch",
                 received_alert(e, codes::kAlertProtocolVersion)
                     ? fmt::format("The server accepts none of the TLS versions the client offered{}: it answered "
                                   "protocol_version (70).",
                                   offered)
                     : fmt::format("The server chose a TLS version the client does not allow{} ({}).", offered,
                                   format_code(e.client.result)),
                 {client_line(e)},
                 fmt::format("Make the versions overlap: enable the server's version on the device "
                             "(MBEDTLS_SSL_PROTO_TLS1_2 / MBEDTLS_SSL_PROTO_TLS1_3 in {}, "
                             "mbedtls_ssl_conf_min/max_tls_version), or let the server accept the device's.",
                             e.profile_file)};
}

// 3.6 reassembles a handshake message split over records in its input
// buffer: a message larger than the buffer fails there.
std::optional<Finding> handshake_message_too_large_from_log(const Evidence& e) {
  const uint32_t m = magnitude(e.client);
  if (!client_side_only(e) || e.log == nullptr || e.client.stage != "handshake" || m != codes::kSslBadInputData ||
      !(e.log->largest_handshake_message > e.client.largest_record_received ||
        (e.log->reassembling && e.log->input_overflow))) {
    return std::nullopt;
  }
  const size_t size = e.log->largest_handshake_message > 0 ? e.log->largest_handshake_message + 4 : 0;
  return Finding{"handshake-message-too-large-for-input-buffer",
                 fmt::format("The server's handshake message{} arrives split over records, but Mbed TLS reassembles a "
                             "handshake message in its input buffer, which is smaller, so it fails ({}).",
                             size > 0 ? fmt::format(" of {} bytes", size) : "", format_code(e.client.result)),
                 {client_line(e), "client: reassembling a handshake message from records, then \"requesting more data "
                                  "than fits\""},
                 fmt::format("Raise MBEDTLS_SSL_IN_CONTENT_LEN in {}{}, or have the server send a shorter chain; a "
                             "smaller max fragment length cannot save this buffer.",
                             e.profile_file, size > 0 ? fmt::format(" to {}", next_buffer_size(size)) : "")};
}

// The certificate starts in the future and the log does not show the
// clock: on a device that is most often a clock never set.
std::optional<Finding> clock_unset_from_log(const Evidence& e) {
  if (!client_side_only(e) || e.log == nullptr || e.log->clock_known ||
      (verify_flags(e) & codes::kBadCertFuture) == 0) {
    return std::nullopt;
  }
  return Finding{"cert-not-yet-valid-clock-unset",
                 "The server's certificate is not valid yet by the client's clock; the log does not show the clock "
                 "(TLS 1.3 ClientHellos carry no time), and on a device the usual cause is a clock never set.",
                 {client_line(e), "client: verify flag MBEDTLS_X509_BADCERT_FUTURE"},
                 "Set the device clock before the handshake (SNTP, or an RTC), or build without MBEDTLS_HAVE_TIME_DATE "
                 "to skip validity checks, at the cost of accepting expired certificates."};
}

// A chain that does not verify may also hold a certificate signed with a
// hash the verify profile rejects; Mbed TLS logs only the leaf, so the log
// cannot rule it out.
std::optional<Finding> untrusted_or_hash_from_log(const Evidence& e) {
  if (!client_side_only(e) || e.client.passed() || (verify_flags(e) & codes::kBadCertNotTrusted) == 0) {
    return std::nullopt;
  }
  return Finding{"server-cert-signature-hash-rejected",
                 "Or: a certificate the server sent (an intermediate, which Mbed TLS does not log) is signed with a "
                 "hash the client's verify profile rejects (SHA-1), and the chain does not verify for that.",
                 {client_line(e)},
                 "Check the server's chain (openssl s_client -showcerts); replace any SHA-1-signed certificate."};
}

// Mbed TLS 3.x with TLS 1.3 on offers RSA-PSS, and its TLS 1.2 code then
// rejects a ServerKeyExchange signed with it (illegal_parameter).
std::optional<Finding> pss_rejected_from_log(const Evidence& e) {
  const bool sent_illegal_parameter = std::any_of(e.client.alerts_sent.begin(), e.client.alerts_sent.end(),
                                                  [](const device::AlertSeen& a) { return a.description == 47; });
  if (!client_side_only(e) || e.client.passed() || magnitude(e.client) != 0x6600 || e.client.handshake_state != 4 ||
      !sent_illegal_parameter || e.build.mbedtls_line.starts_with("2.")) {
    return std::nullopt;
  }
  return Finding{"no-shared-signature-algorithm",
                 fmt::format("The TLS 1.2 server signed its ServerKeyExchange with a scheme Mbed TLS {} offered but "
                             "its TLS 1.2 code rejects (RSA-PSS, offered because TLS 1.3 is enabled): the client "
                             "sent illegal_parameter ({}).",
                             e.build.mbedtls_line, format_code(e.client.result)),
                 {client_line(e), "client: sent illegal_parameter (47) on the ServerKeyExchange (client state 4)"},
                 "Have the server allow rsa_pkcs1_sha256 over TLS 1.2, or TLS 1.3; the offer-then-reject is a known "
                 "Mbed TLS issue (Mbed-TLS/mbedtls#10668)."};
}

// The server refused the ClientHello (reset, close or handshake_failure) and
// the log cannot say why: the candidates, most likely first, scored by how
// narrow each part of the ClientHello is.
std::vector<Finding> refused_client_hello_candidates(const Evidence& e) {
  const uint32_t m = magnitude(e.client);
  const bool alert40 = m == codes::kSslFatalAlert && !e.client.alerts_received.empty() &&
                       e.client.alerts_received.back().description == 40;
  const bool dropped = m == codes::kNetConnReset || m == codes::kSslConnEof;
  if (!client_side_only(e) || e.client.stage != "handshake" || e.client.handshake_state > kStateServerHello ||
      (!alert40 && !dropped)) {
    return {};
  }
  std::vector<uint16_t> suites;
  for (auto id : e.client.offered_suites) {
    if (!servers::is_signalling_suite(id)) suites.push_back(id);
  }
  const servers::ClientHelloCapture* hello = e.log != nullptr && e.log->client_hello ? &*e.log->client_hello : nullptr;
  std::vector<uint16_t> ec_groups;
  if (hello != nullptr) {
    for (auto g : hello->groups) {
      if (g < 0x0100) ec_groups.push_back(g);  // not FFDHE
    }
  }
  const bool narrow_suites = !suites.empty() && suites.size() <= 4;
  const bool narrow_groups = ec_groups.size() == 1;
  const bool no_sni = hello != nullptr && hello->server_name.empty();
  const std::string how = alert40 ? "answered the ClientHello with handshake_failure (40)"
                                  : m == codes::kNetConnReset ? "reset the connection right after the ClientHello"
                                                              : "closed the connection right after the ClientHello";
  struct Scored {
    int score;
    Finding finding;
  };
  std::vector<Scored> c;
  c.push_back({narrow_suites ? 4 : alert40 ? 2 : 1,
               {"no-shared-ciphersuite",
                fmt::format("The server {}, and the client offered only {}: most likely none of them is a suite the "
                            "server accepts.",
                            how, suites.empty() ? "suites the log does not list" : hex_list(suites)),
                {client_line(e), fmt::format("client: the ClientHello offered {}", suite_list(suites))},
                fmt::format("Find the suites the server accepts (openssl s_client -cipher ... against it, or its "
                            "config) and add one to MBEDTLS_SSL_CIPHERSUITES in {} (or to the list the application "
                            "passes to mbedtls_ssl_conf_ciphersuites).",
                            e.profile_file)}});
  c.push_back({narrow_groups ? 3 : 1,
               {"no-shared-group",
                fmt::format("The server {}; the client offered {} for key exchange, which the server may not "
                            "allow.",
                            how, ec_groups.empty() ? "groups the log does not list" : group_list(ec_groups)),
                {client_line(e)},
                fmt::format("Enable the server's group on the device (MBEDTLS_ECP_DP_* / the group list in {}).",
                            e.profile_file)}});
  c.push_back({narrow_groups ? 3 : 1,
               {"server-key-type-disabled",
                fmt::format("The server {}; if its certificate's key needs a curve or hash the client did not offer "
                            "({}), it cannot sign for this client.",
                            how, ec_groups.empty() ? "the log lists no groups" : group_list(ec_groups)),
                {client_line(e)},
                fmt::format("Enable the curve and hash of the server's certificate key in {}.", e.profile_file)}});
  c.push_back({1,
               {"no-shared-signature-algorithm",
                fmt::format("The server {}; it may find no signature scheme the client offered for its key.", how),
                {client_line(e)},
                "Have the server allow a signature scheme the client offers (rsa_pkcs1_sha256 over TLS 1.2)."}});
  c.push_back({1,
               {"server-suites-unusable-with-certificate",
                fmt::format("The server {}; its own suites may not suit its certificate's key, refusing every "
                            "client.",
                            how),
                {client_line(e)},
                "Check the server: its enabled suites must authenticate with its certificate's key type."}});
  if (no_sni) {
    c.push_back({alert40 ? 1 : 2,
                 {"sni-required",
                  fmt::format("The server {} and the ClientHello named no server (no SNI): servers that pick their "
                              "certificate by name refuse such a ClientHello.",
                              how),
                  {client_line(e), "client: no server_name extension in the ClientHello"},
                  "Call mbedtls_ssl_set_hostname(&ssl, \"<server name>\") before the handshake."}});
  }
  const size_t versions_offered = hello != nullptr ? offered_versions(*hello).size() : 0;
  c.push_back({versions_offered == 1 && dropped ? 2 : 1,
               {"protocol-version-mismatch",
                fmt::format("The server {}; it may accept none of the versions the client offered{}.", how,
                            versions_offered == 1 ? fmt::format(" (only {})", version_name(offered_versions(*hello)[0]))
                                                  : ""),
                {client_line(e)},
                fmt::format("Make the versions overlap: MBEDTLS_SSL_PROTO_TLS1_2 / MBEDTLS_SSL_PROTO_TLS1_3 in {}, or "
                            "the server's version range.",
                            e.profile_file)}});
  const char* generic = alert40 ? "alert-after-client-hello"
                                : m == codes::kNetConnReset ? "connection-reset-after-client-hello"
                                                            : "connection-closed-after-client-hello";
  c.push_back({narrow_suites || narrow_groups ? 1 : 3,
               {generic,
                fmt::format("The server {}, without saying why: something in the ClientHello (suites, version, SNI "
                            "or an extension) is not acceptable to it.",
                            how),
                {client_line(e)},
                "Compare the ClientHello with what the server accepts; the server's own log or capture names the "
                "cause (`shakedown run` with a scenario of it shows both sides)."}});
  std::stable_sort(c.begin(), c.end(), [](const Scored& a, const Scored& b) { return a.score > b.score; });
  std::vector<Finding> out;
  for (auto& s : c) out.push_back(std::move(s.finding));
  return out;
}

const std::vector<Rule>& rules() {
  // Most specific first: the first finding is the primary one.
  static const std::vector<Rule> kRules = {
      ca_signature_hash_disabled,
      ca_signature_hash_disabled_from_log,
      rsa_key_too_large_for_mpi,
      rsa_key_too_large_from_log,
      heap_exhausted_from_log,
      record_too_large_from_log,
      handshake_fragmented_from_log,
      server_cert_hash_from_log,
      client_certificate_required_from_log,
      client_certificate_dropped_from_log,
      protocol_version_from_log,
      handshake_message_too_large_from_log,
      clock_unset_from_log,
      pss_rejected_from_log,
      max_fragment_length_not_honoured,
      record_too_large_for_input_buffer,
      handshake_message_too_large_for_input_buffer,
      heap_exhausted,
      heap_exhausted_in_verify,
      cert_not_yet_valid_clock_unset,
      cert_not_yet_valid,
      cert_expired,
      hostname_mismatch,
      server_cert_signature_hash_rejected,
      untrusted_ca,
      untrusted_or_hash_from_log,
      sni_required,
      client_certificate_required,
      client_certificate_required_after_handshake,
      protocol_version_mismatch,
      protocol_version_mismatch_uncaptured,
      server_key_type_disabled,
      no_shared_group,
      server_suites_unusable,
      no_shared_signature_algorithm,
      no_shared_ciphersuite,
      rejected_after_client_hello,
      alert_after_client_hello,
      handshake_message_fragmented,
      hostname_not_set,
      handshake_timeout,
      verify_optional_untrusted,
      legacy_protocol_negotiated,
  };
  return kRules;
}

}  // namespace

std::vector<uint16_t> offered_versions(const servers::ClientHelloCapture& hello) {
  if (!hello.supported_versions.empty()) return hello.supported_versions;
  std::vector<uint16_t> out;
  for (uint16_t v = 0x0301; v <= hello.legacy_version; ++v) out.push_back(v);
  return out;
}

uint16_t group_id(std::string_view name) {
  if (name == "P-256" || name == "prime256v1" || name == "secp256r1") return 0x0017;
  if (name == "P-384" || name == "secp384r1") return 0x0018;
  if (name == "P-521" || name == "secp521r1") return 0x0019;
  if (name == "X25519" || name == "x25519") return 0x001d;
  if (name == "X448" || name == "x448") return 0x001e;
  if (name == "ffdhe2048") return 0x0100;
  if (name == "ffdhe3072") return 0x0101;
  return 0;
}

std::vector<Finding> diagnose(const Evidence& e) {
  std::vector<Finding> findings;
  for (const auto& rule : rules()) {
    if (auto f = rule(e)) findings.push_back(std::move(*f));
  }
  if (auto candidates = refused_client_hello_candidates(e); !candidates.empty()) {
    // They replace the generic findings the rules above gave for the same refusal.
    std::erase_if(findings, [&](const Finding& f) {
      return std::any_of(candidates.begin(), candidates.end(), [&](const Finding& c) { return c.id == f.id; });
    });
    findings.insert(findings.begin(), std::make_move_iterator(candidates.begin()),
                    std::make_move_iterator(candidates.end()));
  }
  if (findings.empty() && !e.client.passed()) {
    findings.push_back({"unexplained",
                        fmt::format("No rule explains this failure: {} returned {} ({}) at {}.", e.client.failed_call,
                                    format_code(e.client.result), e.client.result_name, e.client.stage),
                        {client_line(e)},
                        "Read the device log and the server capture; then add a rule and a scenario for it."});
  }
  return findings;
}

}  // namespace shakedown::diagnosis

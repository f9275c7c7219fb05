// Certificate rules: a server chain that does not verify (dates, names,
// issuers, hashes), and a handshake that passed without checking what it
// should. A trust list the build cannot load: trust_list.cc; keys: certificate_keys.cc.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>

#include "mbedtls_codes.h"
#include "rules.h"
#include "wording.h"

namespace shakedown::diagnosis {
namespace {

using device::format_code;

// The first certificate of the server's chain whose own flags include `bit`.
const device::PeerCertificate* peer_with_flag(const Evidence& e, uint32_t bit) {
  for (const auto& pc : e.client.peer_chain) {
    if (pc.verify_flags & bit) return &pc;
  }
  return nullptr;
}

std::optional<Finding> cert_not_yet_valid_clock_unset(const Evidence& e) {
  if (e.client.passed() || !(verify_flags(e) & codes::kBadCertFuture) || e.setup.time != "unset") {
    return std::nullopt;
  }
  return Finding{FindingId::kCertNotYetValidClockUnset,
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
    return Finding{FindingId::kCertNotYetValid,
                   "Or: the device's clock is right and a certificate in the server's chain is really not valid yet; "
                   "the log does not show the clock, so only its reading tells this from a clock never set.",
                   {client_line(e), "client: verify flags MBEDTLS_X509_BADCERT_FUTURE"},
                   "Log the clock before the handshake; if it is right, have the server use a certificate that is "
                   "already valid."};
  }
  const bool clock_now = e.setup.time == "now";
  return Finding{
      FindingId::kCertNotYetValid,
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

std::optional<Finding> server_cert_signature_hash_rejected(const Evidence& e) {
  if (e.client.passed()) return std::nullopt;
  // Mbed TLS skips a certificate of the server's chain whose signature
  // algorithm it does not know (a hash left out of the build), so the chain
  // stops short of it and is "not trusted".
  if (verify_flags(e) & codes::kBadCertNotTrusted) {
    const CertInfo* dropped = issuer_of_top(e);
    if (dropped != nullptr && dropped->sent_by_server() && !dropped->trusted_by_client &&
        !hash_enabled(dropped->signature_hash, e.build)) {
      const std::string macro(mbedtls_line(e).hash_macro(dropped->signature_hash));
      return Finding{
          FindingId::kServerCertSignatureHashRejected,
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
          // The default verify profile takes SHA-256 and up: enabling any
          // hash but SHA-1 is the fix; SHA-1 it refuses anyway.
          dropped->signature_hash == "sha1"
              ? fmt::format("Have the server's CA reissue its {} signed with SHA-256 or better; enabling {} in {} "
                            "would only make the device reject it for its hash (the default verify profile refuses "
                            "SHA-1).",
                            dropped->role, macro, e.profile_file)
              : fmt::format("#define {} in {} (the default verify profile accepts {}).", macro, e.profile_file,
                            dropped->signature_algorithm)};
    }
  }
  if (!(verify_flags(e) & codes::kBadCertBadMd)) return std::nullopt;
  const auto* pc = peer_with_flag(e, codes::kBadCertBadMd);
  const std::string who =
      pc != nullptr ? fmt::format("'{}' (signed with {})", pc->subject, pc->signature_md) : "in the server's chain";
  return Finding{
      FindingId::kServerCertSignatureHashRejected,
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
    return Finding{FindingId::kCertExpired,
                   fmt::format("The certificate '{}' (valid until {}) has expired by the device's clock, which reads "
                               "{}.",
                               subject, cert != nullptr ? cert->not_after : "?", clock_reading(e.setup.time)),
                   evidence,
                   "Check the device's clock first (SNTP or an RTC): if it is ahead, set it; if it is right, renew "
                   "the expired certificate."};
  }
  if (cert != nullptr && cert->trusted_by_client) {
    return Finding{
        FindingId::kCertExpired,
        fmt::format("The root CA the device trusts, '{}', expired{}; every chain ending there fails.", subject, when),
        evidence,
        "Update the device's CA list with the CA's current root (and plan CA-list updates over the "
        "device's lifetime). (If the device's clock is wrong instead, set it: SNTP or an RTC.)"};
  }
  const std::string role = cert != nullptr && cert->role != "leaf" ? cert->role + " certificate" : "certificate";
  return Finding{FindingId::kCertExpired, fmt::format("The server's {} '{}' expired{}.", role, subject, when), evidence,
                 cert != nullptr && cert->role != "leaf"
                     ? "Have the server send the CA's current intermediate instead of the expired one. (If the "
                       "device's clock is wrong instead, set it: SNTP or an RTC.)"
                     : "Renew the server's certificate. (If the device's clock is wrong instead, set it: SNTP or an "
                       "RTC.)"};
}

// Whether a certificate's DNS name covers a host (RFC 6125: a wildcard
// stands for one leftmost label), ignoring case.
bool name_covers(std::string_view name, std::string_view host) {
  auto same = [](std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
      return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
  };
  if (name.starts_with("*.")) {
    const size_t dot = host.find('.');
    return dot != std::string_view::npos && dot > 0 && same(name.substr(1), host.substr(dot));
  }
  return same(name, host);
}

std::optional<Finding> hostname_mismatch(const Evidence& e) {
  if (e.client.passed() || !(verify_flags(e) & codes::kBadCertCnMismatch)) return std::nullopt;
  std::vector<std::string> names;
  for (const auto& c : e.server.chain) {
    if (c.role == "leaf") names = c.dns_names;
  }
  // The premise: the certificate does not name the host asked for.
  if (std::any_of(names.begin(), names.end(), [&](const std::string& n) { return name_covers(n, e.setup.hostname); })) {
    return std::nullopt;
  }
  const std::string subject = e.client.peer_chain.empty() ? "?" : e.client.peer_chain.front().subject;
  // An IPv4 or IPv6 literal as the hostname: Mbed TLS 2.x compares it with
  // DNS names (and the CN) only, never with iPAddress entries.
  const bool address =
      !e.setup.hostname.empty() && (e.setup.hostname.find(':') != std::string::npos ||
                                    e.setup.hostname.find_first_not_of("0123456789.") == std::string::npos);
  if (address && !mbedtls_line(e).matches_ip_address_san) {
    return Finding{
        FindingId::kHostnameMismatch,
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
      FindingId::kHostnameMismatch,
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
    return Finding{FindingId::kUntrustedCa,
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
        FindingId::kUntrustedCa,
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
    return Finding{FindingId::kUntrustedCa,
                   fmt::format("The server's chain ends at its own root '{}', which the device does not trust (it "
                               "trusts {}).",
                               chain.back().subject, trusted),
                   evidence,
                   fmt::format("If the server moved to another CA, add '{}' to the device's CA list (ahead of the "
                               "switch, next time); otherwise have the server use a certificate issued under {}.",
                               chain.back().subject, trusted)};
  }
  // It leads to a root of its own, unsent as roots usually are, that the device does not trust.
  if (missing != nullptr && missing->role == "root" && !missing->trusted_by_client) {
    const std::string trusted = "'" + e.server.chain.front().subject + "'";  // missing is one of the chain
    evidence.push_back(
        fmt::format("server: its chain's root is '{}'; the device trusts {}", missing->subject, trusted));
    return Finding{FindingId::kUntrustedCa,
                   fmt::format("The server's chain leads to its root '{}', which the device does not trust (it "
                               "trusts {}).",
                               missing->subject, trusted),
                   evidence,
                   fmt::format("Add '{}' to the device's CA list if that is the server's CA; otherwise have the "
                               "server use a certificate issued under {}.",
                               missing->subject, trusted)};
  }
  if (missing != nullptr && !missing->sent_by_server() && !missing->trusted_by_client) {
    evidence.push_back(fmt::format("server: has '{}' ({}) but does not send it", missing->subject, missing->role));
  }
  // Without the server's side (a log alone) how many it sent is unknown.
  const std::string count = e.server.chain.empty() ? "" : fmt::format(" ({} certificates sent)", sent);
  return Finding{FindingId::kUntrustedCa,
                 fmt::format("The server's chain{} does not lead to a CA the device trusts: {} is missing from the "
                             "chain or the device's trust list.",
                             count, top_issuer),
                 evidence,
                 fmt::format("Have the server send its intermediate certificates, or add {} to the device's CA list.",
                             top_issuer)};
}

std::optional<Finding> verify_optional_untrusted(const Evidence& e) {
  if (!e.client.passed() || verify_flags(e) == 0) return std::nullopt;
  return Finding{FindingId::kVerifyOptionalUntrusted,
                 fmt::format("Warning: the handshake succeeded although the server's certificate failed verification "
                             "({}): with MBEDTLS_SSL_VERIFY_OPTIONAL the device would talk to anyone.",
                             fmt::join(device::verify_flag_names(e.client.verify_flags), ", ")),
                 {fmt::format("client: passed with verify flags {}",
                              fmt::join(device::verify_flag_names(e.client.verify_flags), ", "))},
                 "mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED), as the examples other than "
                 "ssl_client1 do."};
}

// A key in the server's chain that the verify profile refuses: Mbed TLS's
// default profile takes RSA keys of 2048 bits and more and the curves it
// lists; anything else is BADCERT_BAD_KEY, however well the chain is signed.
// Mbed TLS sets the flag on the certificate whose issuer's key it refuses
// (x509_crt_verify_chain), and on the leaf for the leaf's own key too: the
// refused key is the flagged certificate's or the one above it.
bool short_rsa(const device::PeerCertificate& c) {
  return c.key_type == "RSA" && c.key_bits > 0 && c.key_bits < 2048;
}

std::optional<Finding> cert_key_too_weak(const Evidence& e) {
  if (e.client.passed() || !(verify_flags(e) & codes::kBadCertBadKey)) return std::nullopt;
  const auto& chain = e.client.peer_chain;
  const auto* flagged = peer_with_flag(e, codes::kBadCertBadKey);
  const device::PeerCertificate* weak = nullptr;
  if (flagged != nullptr) {
    for (const auto& c : chain) {
      if ((c.depth == flagged->depth || c.depth == flagged->depth + 1) && short_rsa(c) && weak == nullptr) weak = &c;
    }
  }
  // A log gives the chain's keys but not each certificate's flags: the short RSA key is the one.
  for (size_t i = 0; weak == nullptr && i < chain.size(); ++i) {
    if (short_rsa(chain[i])) weak = &chain[i];
  }
  std::vector<std::string> evidence{client_line(e), "client: verify flags MBEDTLS_X509_BADCERT_BAD_KEY"};
  for (const auto* c : {flagged, weak}) {
    if (c == nullptr || (c == weak && weak == flagged)) continue;
    evidence.push_back(
        fmt::format("client: '{}' (depth {}) has a {} {}-bit key", c->subject, c->depth, c->key_type, c->key_bits));
  }
  const std::string fix =
      "Have the server use a chain whose every key is RSA of 2048 bits or more, or ECDSA on P-256 or P-384; a weak "
      "root must be replaced in the device's trust list too. Lowering the device's verify profile "
      "(mbedtls_ssl_conf_cert_profile) would accept keys that can be broken.";
  if (weak != nullptr) {
    const bool issuer = flagged != nullptr && weak != flagged;
    return Finding{FindingId::kCertKeyTooWeak,
                   fmt::format("The certificate '{}' has an RSA-{} key, below the 2048 bits Mbed TLS's default "
                               "verify profile accepts, so the chain is refused however it is signed{}.",
                               weak->subject, weak->key_bits,
                               issuer ? fmt::format(" (Mbed TLS flags '{}', which it signed)", flagged->subject) : ""),
                   evidence, fix};
  }
  return Finding{FindingId::kCertKeyTooWeak,
                 fmt::format("A key in the server's chain is one the device's verify profile refuses (a curve or "
                             "size it does not allow): Mbed TLS flags {}, for its own key or its issuer's.",
                             flagged != nullptr ? "'" + flagged->subject + "'" : "a certificate"),
                 evidence, fix};
}

// The client set no hostname (mbedtls_ssl_set_hostname): Mbed TLS 3.6.3 and
// later refuse to verify a certificate then; older lines verify the chain
// but check no name, so any certificate from a trusted CA passes.
std::optional<Finding> hostname_not_set(const Evidence& e) {
  const bool refused = !e.client.passed() && magnitude(e.client) == codes::kSslVerifyWithoutHostname;
  const servers::ClientHelloCapture* hello = e.server.connection && e.server.connection->client_hello
                                                 ? &*e.server.connection->client_hello
                                             : e.log != nullptr && e.log->client_hello ? &*e.log->client_hello
                                                                                       : nullptr;
  const bool unchecked = e.client.passed() && e.setup.auth_mode == 2 && hello != nullptr && hello->server_name.empty();
  if (!refused && !unchecked) return std::nullopt;
  const std::string leaf = e.client.peer_chain.empty() ? "?" : e.client.peer_chain.front().subject;
  const std::string fix =
      "Call mbedtls_ssl_set_hostname(&ssl, \"<server name>\") before the handshake: it sends SNI and checks the "
      "certificate's name.";
  if (refused) {
    return Finding{
        FindingId::kHostnameNotSet,
        fmt::format("The device set no hostname, and Mbed TLS {} refuses to verify a server certificate "
                    "without one ({}): it cannot tell whose certificate it is.",
                    e.build.mbedtls_version.empty() ? e.build.mbedtls_line : e.build.mbedtls_version,
                    format_code(e.client.result)),
        {client_line(e), "client: no hostname set; MBEDTLS_ERR_SSL_CERTIFICATE_VERIFICATION_WITHOUT_HOSTNAME"},
        fix};
  }
  return Finding{FindingId::kHostnameNotSet,
                 fmt::format("Warning: the device set no hostname, so it checked no name: it accepted the "
                             "certificate '{}' only because a CA it trusts issued it.",
                             leaf),
                 {fmt::format("client: passed with no hostname set; the server's certificate is '{}'", leaf),
                  "server: the ClientHello named no server (no SNI)"},
                 fix};
}

}  // namespace

std::span<const Rule> certificate_rules() {
  static constexpr Rule kRules[] = {
      {"cert_not_yet_valid_clock_unset",
       Band::kCertificates,
       Sources::kRunOrLog,
       {FindingId::kCertNotYetValidClockUnset},
       one<cert_not_yet_valid_clock_unset>},
      {"cert_not_yet_valid",
       Band::kCertificates,
       Sources::kRunOrLog,
       {FindingId::kCertNotYetValid},
       one<cert_not_yet_valid>},
      {"cert_expired", Band::kCertificates, Sources::kRunOrLog, {FindingId::kCertExpired}, one<cert_expired>},
      {"hostname_mismatch",
       Band::kCertificates,
       Sources::kRunOrLog,
       {FindingId::kHostnameMismatch},
       one<hostname_mismatch>},
      {"server_cert_signature_hash_rejected",
       Band::kCertificates,
       Sources::kRunOrLog,
       {FindingId::kServerCertSignatureHashRejected},
       one<server_cert_signature_hash_rejected>},
      {"untrusted_ca", Band::kCertificates, Sources::kRunOrLog, {FindingId::kUntrustedCa}, one<untrusted_ca>},
      {"cert_key_too_weak",
       Band::kCertificates,
       Sources::kRunOrLog,
       {FindingId::kCertKeyTooWeak},
       one<cert_key_too_weak>},
      {"hostname_not_set",
       Band::kHostnameNotSet,
       Sources::kRunOrLog,
       {FindingId::kHostnameNotSet},
       one<hostname_not_set>},
      {"verify_optional_untrusted",
       Band::kVerifyWarning,
       Sources::kRunOrLog,
       {FindingId::kVerifyOptionalUntrusted},
       one<verify_optional_untrusted>},
  };
  return kRules;
}

}  // namespace shakedown::diagnosis

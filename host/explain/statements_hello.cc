// Statement handlers: what the ClientHello offered and what the ServerHello chose.

#include <fmt/format.h>

#include <algorithm>

#include "log_text.h"
#include "shakedown/tls/version.h"
#include "statement_handlers.h"

namespace shakedown::explain {

// "client hello, add ciphersuite: 0xc02b (TLS-ECDHE-...)" (2.28) or "...: c02b, TLS-ECDHE-..." (3.6).
Take take_offered_suite(Reading& r, const Statement& s) {
  std::string_view id = trim(s.rest);
  id = id.substr(0, id.find_first_of(" ,("));
  auto suite = number(id, true);
  if (!suite) return Take::kMalformed;
  auto& offered = r.current.report.offered_suites;
  if (offered.size() < Reading::kMaxSuites && std::find(offered.begin(), offered.end(), *suite) == offered.end()) {
    offered.push_back(static_cast<uint16_t>(*suite));
  }
  // The text lines say the ClientHello; one decoded from a dump gives way.
  if (!r.current.log.client_hello || r.current.client_hello_from_dump) {
    r.current.log.client_hello = servers::ClientHelloCapture{};
    r.current.client_hello_from_dump = false;
  }
  r.current.log.client_hello->cipher_suites = offered;
  r.cite(Fact::kSuites, s.line);
  r.cite(Fact::kClientHello, s.line);
  return Take::kTaken;
}

// "client hello, current time: 0": the clock the client put in its random.
Take take_client_time(Reading& r, const Statement& s) {
  if (!starts_with(s.text, "client hello")) return Take::kNotMine;
  auto seconds = number(s.rest);
  if (!seconds) return Take::kMalformed;
  // A clock never set reads 0, or the seconds since boot where the port's
  // time() counts from reset: anything before 2000 is such a clock.
  constexpr int64_t kYear2000 = 946'684'800;
  r.current.time = *seconds < kYear2000 ? "unset" : std::to_string(*seconds);
  r.current.log.clock_known = true;
  r.cite(Fact::kClock, s.line);
  r.event(s.line, "clock",
          *seconds == 0 ? "the client's clock reads 0: it was never set"
                        : fmt::format("the client's clock reads {} (seconds since 1970)", *seconds));
  return Take::kTaken;
}

Take take_server_name(Reading& r, const Statement& s) {
  r.current.hostname = std::string(trim(s.rest));
  r.text_hello().server_name = r.current.hostname;
  r.cite(Fact::kHostname, s.line);
  return Take::kTaken;
}

Take take_max_version(Reading& r, const Statement& s) {
  auto version = bracket_version(s.rest);
  if (!version) return Take::kMalformed;
  r.text_hello().legacy_version = *version;
  r.current.build.tls1_2 = *version >= tls::wire_id(tls::Version::kTls1_2);
  r.cite(Fact::kVersion, s.line);
  r.event(s.line, "client-hello", fmt::format("ClientHello offers up to {}", tls::mbedtls_name(*version)));
  return Take::kTaken;
}

// The client's supported_versions entries; a server's "supported version" is not one.
Take take_supported_version(Reading& r, const Statement& s) {
  if (starts_with(s.text, "server")) return Take::kNotMine;
  auto version = bracket_version(s.rest);
  if (!version) return Take::kMalformed;
  auto& versions = r.text_hello().supported_versions;
  if (versions.size() < 8) versions.push_back(*version);
  if (*version == tls::wire_id(tls::Version::kTls1_3)) r.current.build.tls1_3 = true;
  if (*version == tls::wire_id(tls::Version::kTls1_2)) r.current.build.tls1_2 = true;
  r.cite(Fact::kVersion, s.line);
  return Take::kTaken;
}

// "NamedGroup: secp256r1 ( 17 )": the id in brackets, in hex.
Take take_named_group(Reading& r, const Statement& s) {
  const size_t open = s.rest.find("( ");
  auto id = open == std::string_view::npos ? std::nullopt : number(s.rest.substr(open + 2), true);
  if (!id) return Take::kMalformed;
  auto& groups = r.text_hello().groups;
  if (groups.size() < 32) groups.push_back(static_cast<uint16_t>(*id));
  return Take::kTaken;
}

Take take_signature_scheme(Reading& r, const Statement& s) {
  auto id = number(s.rest.substr(0, s.rest.find(']')));
  if (!id) return Take::kMalformed;
  auto& algs = r.text_hello().signature_algorithms;
  if (algs.size() < 64) algs.push_back(static_cast<uint16_t>(*id));
  return Take::kTaken;
}

Take take_max_fragment_length(Reading& r, const Statement& s) {
  if (!starts_with(s.text, "client hello")) return Take::kNotMine;
  r.text_hello().max_fragment_length = -1;  // asked for; the size is not in the log
  return Take::kTaken;
}

// "server hello, chosen ciphersuite: c02b" or its name.
Take take_chosen_suite(Reading& r, const Statement& s) {
  std::string_view id = trim(s.rest);
  if (auto suite = number(id.substr(0, id.find_first_of(" ,(")), true)) {
    r.current.report.suite_id = static_cast<uint16_t>(*suite);
  } else {
    r.current.report.suite = std::string(id);
  }
  r.event(s.line, "state", fmt::format("ServerHello chose {}", id));
  return Take::kTaken;
}

// "ServerHello: supported_versions(43) extension received.": the server chose TLS 1.3.
Take take_server_tls13(Reading& r, const Statement& s) {
  if (!starts_with(s.text, "ServerHello")) return Take::kNotMine;
  r.current.report.version = tls::mbedtls_name(tls::Version::kTls1_3);
  r.cite(Fact::kVersion, s.line);
  return Take::kTaken;
}

}  // namespace shakedown::explain

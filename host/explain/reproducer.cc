// The reproducer: a scenario that makes the explained failure happen again
// on the simulator, written from what the log shows (explain.h).

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "explain.h"
#include "log_text.h"
#include "shakedown/tls/version.h"

namespace shakedown::explain {

namespace {

// The versions the log's ClientHello offered; none when the log lacks it.
std::vector<uint16_t> offered_versions(const LogFacts& f) {
  return f.log.client_hello ? diagnosis::offered_versions(*f.log.client_hello) : std::vector<uint16_t>{};
}

// The server a finding's recipe needs to happen again, as scenario YAML
// lines, or nothing when the log does not say enough to rebuild that server.
std::optional<std::string> server_for(const diagnosis::Reproducer& recipe, const LogFacts& f) {
  using diagnosis::ServerRecipe;
  const auto offered = [&](uint16_t s) {
    return std::find(f.report.offered_suites.begin(), f.report.offered_suites.end(), s) != f.report.offered_suites.end();
  };
  using tls::Version;
  const std::string tls12_only = fmt::format("  versions: [{}]\n", tls::config_name(Version::kTls1_2));
  std::string versions;
  switch (recipe.server) {
    case ServerRecipe::kNone: return std::nullopt;
    case ServerRecipe::kTls12: versions = tls12_only; break;
    case ServerRecipe::kNegotiatedVersion: {
      const bool tls13 = tls::parse_version(f.report.version) == Version::kTls1_3;
      versions = fmt::format("  versions: [{}]\n", tls::config_name(tls13 ? Version::kTls1_3 : Version::kTls1_2));
      break;
    }
    case ServerRecipe::kSuiteNotOffered: {
      // A suite the client did not offer, as the field's server wanted.
      const char* suite = !offered(0xc030) ? "ECDHE-RSA-AES256-GCM-SHA384" : "ECDHE-RSA-CHACHA20-POLY1305";
      const bool reset = f.report.low_part() == 0x50;
      const bool closed = (f.report.high_part() | f.report.low_part()) == 0x7280;
      versions = fmt::format("{}  ciphersuites: [{}]\n{}", tls12_only, suite,
                             reset    ? "  on_handshake_failure: reset\n"
                             : closed ? "  on_handshake_failure: close\n"
                                      : "");
      break;
    }
    case ServerRecipe::kVersionNotOffered: {
      const auto v = offered_versions(f);
      auto has = [&](Version version) { return std::find(v.begin(), v.end(), tls::wire_id(version)) != v.end(); };
      const Version missing = !has(Version::kTls1_3)   ? Version::kTls1_3
                              : !has(Version::kTls1_2) ? Version::kTls1_2
                                                       : Version::kTls1_1;
      versions = fmt::format("  versions: [{}]\n", tls::config_name(missing));
      break;
    }
  }
  return versions + std::string(recipe.server_lines);
}

std::string pki_for(const diagnosis::Reproducer& recipe, const LogFacts& f) {
  using diagnosis::ChainRecipe;
  // The server's certificate as the log saw it, where it matters.
  const bool rsa = !f.report.peer_chain.empty() ? f.report.peer_chain.front().key_type == "RSA"
                                                : std::none_of(f.report.offered_suites.begin(),
                                                               f.report.offered_suites.end(), [](uint16_t s) {
                                                                 return s == 0xc02b || s == 0xc02c || s == 0xc023 ||
                                                                        s == 0xc024 || s == 0xcca9;
                                                               });
  const std::string key = recipe.chain == ChainRecipe::kRsa || rsa ? "rsa-2048" : "ec-p256";
  const std::string root = fmt::format("  - {{key: {}}}\n", key);
  switch (recipe.chain) {
    case ChainRecipe::kLeafNamesOtherHost:
      return root +
             fmt::format("  - {{key: {}, cn: other.shakedown.test, sans: [\"DNS:other.shakedown.test\"]}}\n", key);
    case ChainRecipe::kLeafExpired:
      return root + fmt::format("  - {{key: {}, valid_from_days: -400, valid_until_days: -1}}\n", key);
    case ChainRecipe::kIntermediateNotSent:
      // The server leaves out the intermediate that leads to the trusted root.
      return fmt::format(
          "  - {{key: {}}}  # root, trusted\n  - {{key: {}}}  # intermediate, not sent\n  - {{key: {}}}\n", key, key,
          key);
    case ChainRecipe::kAsLogged:
    case ChainRecipe::kRsa: break;
  }
  return root + fmt::format("  - {{key: {}}}\n", key);
}

}  // namespace

std::string reproducer_scenario(const Explanation& e, const std::string& name) {
  const LogFacts& f = e.facts;
  const diagnosis::Finding* first = e.findings.empty() ? nullptr : &e.findings.front().finding;
  const diagnosis::Reproducer recipe = first != nullptr ? diagnosis::declaration(first->id).reproducer
                                                        : diagnosis::kNoReproducer;
  const bool versions_refused = recipe.server == diagnosis::ServerRecipe::kVersionNotOffered;
  auto server = server_for(recipe, f);
  std::string out = fmt::format("# {}: written by `shakedown explain` from a device log.\n", name);
  if (!server) {
    out += fmt::format(
        "# The log does not say enough to rebuild the server behind `{}`; this scenario runs the client as the\n"
        "# log shows it against a plain server. Edit `server:` to match yours.\n",
        first != nullptr ? diagnosis::finding_name(first->id) : "a passing handshake");
    server = "  versions: [tls1.2]\n";
  }
  out += fmt::format("summary: >-\n  Reproduces what the log shows: {}\n",
                     e.findings.empty() ? "a completed handshake." : e.findings.front().finding.summary);
  out += "pki:\n" + pki_for(recipe, f);
  out += "server:\n" + *server;
  out += "client:\n";
  if (!f.hostname.empty()) {
    out += fmt::format("  hostname: {}\n", f.hostname);
  } else {
    out += "  hostname: cloud.shakedown.test\n  sni: false  # the log's ClientHello named no server\n";
  }
  if (!f.build.mbedtls_line.empty()) out += fmt::format("  mbedtls: [\"{}\"]\n", f.build.mbedtls_line);
  // The suites it offered, as a run-time restriction of the default build.
  if (!f.report.offered_suites.empty() && f.report.offered_suites.size() <= 16 && !versions_refused) {
    out += fmt::format("  ciphersuites: [{}]\n", hex_ids(f.report.offered_suites, ", "));
  }
  // The versions it offered, when the server refuses them.
  if (versions_refused) {
    std::string versions;
    for (uint16_t wire : offered_versions(f)) {
      const auto v = tls::version_from_wire(wire);
      if (v && *v >= tls::Version::kTls1_2) {
        versions += fmt::format("{}{}", versions.empty() ? "" : ", ", tls::config_name(*v));
      }
    }
    if (!versions.empty()) out += fmt::format("  versions: [{}]\n", versions);
  }
  if (f.time == "unset" || recipe.clock == diagnosis::ClientClock::kUnset) out += "  time: unset\n";
  out += recipe.client_lines;
  // The failure came after the handshake: the client must exchange data to meet it.
  if (f.report.stage == tls::Stage::kExchange) out += "  exchange: true\n";
  out += "expect:\n";
  if (first == nullptr) {
    out += "  default-16k: {result: pass}\n";
  } else {
    // Warnings come with a handshake that completes.
    const bool passes = diagnosis::declaration(first->id).severity == diagnosis::Severity::kWarning;
    out += fmt::format("  default-16k: {{result: {}, finding: {}}}\n", passes ? "pass" : "fail",
                       diagnosis::finding_name(first->id));
  }
  return out;
}

}  // namespace shakedown::explain

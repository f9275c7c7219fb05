#include "explain.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <set>

#include "shakedown/mbedtls_errors/error_names.h"
#include "shakedown/tls/cipher_suite.h"
#include "shakedown/tls/mbedtls_line.h"
#include "shakedown/tls/stage.h"
#include "shakedown/tls/version.h"

namespace shakedown::explain {
namespace {

constexpr size_t kChunk = 1 << 16;

using diagnosis::FindingId;

// The log lines behind the facts a finding's declaration cites.
std::vector<size_t> lines_for(const LogFacts& facts, FindingId id) {
  const auto& cites = diagnosis::declaration(id).cites;
  const auto& cited = facts.lines.count(Fact::kCertificates) != 0 ? cites.facts_with_certificates : cites.facts;
  std::set<size_t> lines;
  for (const auto& [fact, l] : facts.lines) {
    if (!cited.contains(fact)) continue;
    // Long runs (a suite per line) are cited by their first and last lines.
    if (l.size() > 6) {
      lines.insert(l.front());
      lines.insert(l.back());
    } else {
      lines.insert(l.begin(), l.end());
    }
  }
  return {lines.begin(), lines.end()};
}

// "c02b, c02c": suite ids as logs and scenario files write them; the first
// `limit` only.
std::string hex_ids(const std::vector<uint16_t>& ids, const char* separator, size_t limit = SIZE_MAX) {
  std::string out;
  for (size_t i = 0; i < ids.size() && i < limit; ++i) out += fmt::format("{}{:04x}", i == 0 ? "" : separator, ids[i]);
  return out;
}

// " -cipher 'ECDHE-ECDSA-AES128-GCM-SHA256:...'" with OpenSSL's names of the
// TLS 1.2 suites offered; "" when the log lists none OpenSSL knows.
std::string openssl_cipher_option(const std::vector<uint16_t>& offered) {
  std::vector<std::string_view> names;
  for (uint16_t id : offered) {
    const tls::CipherSuite* suite = tls::cipher_suite(id);
    if (suite != nullptr && !suite->signalling && !tls::is_tls13_suite(id) && !suite->openssl_name.empty()) {
      names.push_back(suite->openssl_name);
    }
  }
  return names.empty() ? "" : fmt::format(" -cipher '{}'", fmt::join(names, ":"));
}

// What to do when a log has no Mbed TLS debug output.
constexpr const char* kDebugOutputHow =
    "Turn on Mbed TLS's debug output at level 3 (MBEDTLS_DEBUG_C and mbedtls_debug_set_threshold(3)) and give "
    "shakedown explain the whole log";

std::string config_file(const LogFacts& facts) {
  return fmt::format("the Mbed TLS config ({} or your MBEDTLS_CONFIG_FILE)",
                     tls::mbedtls_line_or_newest(facts.build.mbedtls_line).config_header);
}

}  // namespace

LogFacts read_log(std::istream& in, const std::string& name) {
  LogFactsBuilder builder;
  LogReader reader([&](const LogLine& line) { builder.add(line); });
  std::string chunk(kChunk, '\0');
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const auto got = static_cast<size_t>(in.gcount());
    if (got == 0) break;
    reader.feed(std::string_view(chunk.data(), got));
    // Binary input: say so early rather than read 100 MB of it.
    if (reader.bytes() >= 4096 && reader.binary_bytes() * 20 > reader.bytes()) {
      throw NotALog(fmt::format("{}: this is binary data, not a text log ({} of the first {} bytes are control bytes)",
                                name, reader.binary_bytes(), reader.bytes()));
    }
  }
  if (in.bad()) throw NotALog(fmt::format("{}: read error", name));
  reader.finish();
  if (reader.bytes() > 0 && reader.binary_bytes() * 20 > reader.bytes()) {
    throw NotALog(fmt::format("{}: this is binary data, not a text log", name));
  }
  LogFacts facts = builder.finish();
  if (!facts.mbedtls_seen && !facts.result_known && !facts.stack_error) {
    throw NotALog(fmt::format(
        "{}: no Mbed TLS debug output and no Mbed TLS error code in {} lines (expected lines like \"ssl_tls.c:1234: "
        "=> handshake\" or an error such as \"mbedtls_ssl_handshake returned -0x7200\"; docs/explain.md lists the "
        "forms read)",
        name, reader.lines()));
  }
  return facts;
}

Explanation explain(LogFacts facts) {
  Explanation out;
  out.facts = std::move(facts);
  if (out.facts.report.result < 0 && out.facts.report.result_name.empty()) {
    char name[160];
    mbedtls_errors::format_error_name(out.facts.report.result, name, sizeof name);
    out.facts.report.result_name = name;
  }
  const LogFacts& f = out.facts;
  // Only a code, in the words of whatever wraps Mbed TLS: no state, message
  // or stage to read, so no rule's premise holds. The code's usual causes
  // in order instead. Any other fact the lines give (verify sentences from
  // x509_crt_verify_info, trust certificates that did not parse, heap
  // figures) goes to the rules, which read it.
  const bool only_a_code =
      std::all_of(f.lines.begin(), f.lines.end(), [](const auto& cited) { return cited.first == Fact::kResult; });
  if (!f.mbedtls_seen && f.report.result < 0 && only_a_code) {
    out.bare_code = true;
    out.bare_code_row = bare_code(f.report.result);
    out.candidates = out.bare_code_row.has_value();
    // The causes that a finding names are the findings, as candidates in
    // the row's order; a code without a row is unexplained.
    std::vector<size_t> result_line = f.lines.at(Fact::kResult);
    // A clock the log shows in 1970 puts the clock's cause first.
    std::vector<CodeCause> causes;
    if (out.bare_code_row) causes.assign(out.bare_code_row->causes.begin(), out.bare_code_row->causes.end());
    if (f.clock_1970_line != 0) {
      std::stable_partition(causes.begin(), causes.end(), [](const CodeCause& c) {
        return c.finding == diagnosis::FindingId::kCertNotYetValidClockUnset;
      });
      out.notes.push_back(fmt::format("Line {} prints a date in 1970: the device's clock was never set.",
                                      f.clock_1970_line));
    }
    const std::string next = out.bare_code_row ? std::string(out.bare_code_row->next) : kDebugOutputHow;
    out.code_causes = causes;
    for (const CodeCause& c : causes) {
      const bool listed = std::any_of(out.findings.begin(), out.findings.end(),
                                      [&](const ExplainedFinding& x) { return c.finding && x.finding.id == *c.finding; });
      if (!c.finding || listed) continue;
      out.findings.push_back({{*c.finding, std::string(c.cause), {std::string(c.decides)}, next}, result_line});
    }
    if (!out.bare_code_row) {
      out.findings.push_back({{diagnosis::FindingId::kUnexplained,
                               fmt::format("No cause is on record for {} alone", device::format_code(f.report.result)),
                               {},
                               next},
                              result_line});
    }
    if (f.attempts > 1 || f.stack_error_line != f.lines.at(Fact::kResult).front()) {
      out.notes.push_back("The log reports more than one failure; this reads the last one.");
    }
    return out;
  }
  diagnosis::ServerView no_server;  // a log has only the client's side
  no_server.known = false;
  const diagnosis::Evidence evidence{
      f.report, f.build, no_server, config_file(f), {f.hostname, f.time, f.auth_mode}, &f.log};
  for (auto& finding : diagnosis::diagnose(evidence)) {
    auto lines = lines_for(f, finding.id);
    out.findings.push_back({std::move(finding), std::move(lines)});
  }
  // A refused ClientHello gives alternatives, not several faults.
  const auto refusal = [](const ExplainedFinding& x) {
    return diagnosis::declaration(x.finding.id).refusal == diagnosis::Refusal::kCandidate;
  };
  out.candidates = out.findings.size() > 1 && std::all_of(out.findings.begin(), out.findings.end(), refusal) &&
                   !f.report.passed() && f.report.handshake_state <= 2;
  if (out.candidates) {
    out.tell_apart = fmt::format(
        "only the server's side can. Ask the server with the device's offer: `openssl s_client -connect "
        "HOST:443 -servername {} -tls1_2{}` fails the same way if the suites are the cause, and connects if not; "
        "then vary -groups, -sigalgs and -tls1_3 the same way. Or run the reproducer (--scenario) against a server "
        "set up like yours: `shakedown run` shows both sides.",
        f.hostname.empty() ? "HOST" : f.hostname, openssl_cipher_option(f.report.offered_suites));
  }
  if (f.time == "unset") {
    out.notes.push_back(fmt::format("The client's clock was never set: the ClientHello carried a time in 1970 (line {}). "
                                    "Certificates' validity cannot be checked until it is (SNTP, or an RTC).",
                                    f.lines.count(Fact::kClock) != 0 ? f.lines.at(Fact::kClock).front() : 0));
  }
  if (f.report.passed() && f.log.certificate_requested && f.log.sent_no_certificate && !f.read_after_handshake) {
    // TLS 1.3 servers judge the client's empty Certificate after its
    // Finished: the client's side completes, the rejection comes at its first read.
    out.notes.push_back(
        "The server asked for a client certificate and the device sent none. The handshake completed, so the server "
        "accepts that, unless it rejects the connection only now: a TLS 1.3 server that requires a certificate "
        "answers the first read with alert 116 (certificate_required), after the point where this log ends.");
  }
  if (f.attempts > 1) {
    out.notes.push_back(fmt::format("The log holds {} handshake attempts; this explains the last one that failed.",
                                    f.attempts));
  }
  if (f.timeline_dropped > 0) {
    out.notes.push_back(fmt::format("The timeline keeps the first {} events; {} more were left out.",
                                    LogFactsBuilder::kMaxTimeline, f.timeline_dropped));
  }
  return out;
}

namespace {

// The candidates of a bare code, for a person.
std::string bare_code_text(const Explanation& e) {
  std::string out;
  if (!e.bare_code_row) {
    out += "\nNo cause is on record for this code alone.\n";
  } else {
    out += "\nWhat this code usually means, most likely first:\n";
    const auto& causes = e.code_causes;
    for (size_t i = 0; i < causes.size(); ++i) {
      const CodeCause& c = causes[i];
      out += fmt::format("{}. {}{}\n     it is this if: {}\n", i + 1,
                         c.finding ? fmt::format("[{}] ", diagnosis::finding_name(*c.finding)) : "", c.cause,
                         c.decides);
    }
    out += fmt::format("\nNext: {}.\n", e.bare_code_row->next);
    out += fmt::format("(The order: {}.)\n", e.bare_code_row->priors);
  }
  if (!e.bare_code_row || e.bare_code_row->next.find("debug output") == std::string_view::npos) {
    out += fmt::format("\nFor a decided answer: {}.\n", kDebugOutputHow);
  }
  for (const auto& note : e.notes) out += fmt::format("\nNote: {}\n", note);
  return out;
}

}  // namespace

std::string to_text(const Explanation& e) {
  std::string out;
  const auto& f = e.facts;
  std::string outcome = "the handshake completed";
  if (!f.result_known) {
    outcome = fmt::format("the log ends during the handshake, in client state {}", f.report.handshake_state);
  } else if (e.bare_code && f.stack_error && !f.stack_error->code_shown) {
    outcome = fmt::format("the log says the handshake timed out, without a code (Mbed TLS's is {} {}); it has no "
                          "Mbed TLS debug output, so it does not show where the connection failed",
                          device::format_code(f.report.result), f.report.result_name);
  } else if (e.bare_code) {
    const std::string call = f.report.failed_call.empty() ? "a TLS call" : f.report.failed_call;
    outcome = fmt::format("{} failed with {}{}; the log has no Mbed TLS debug output, so it does not show where "
                          "the connection failed",
                          call, device::format_code(f.report.result),
                          f.report.result_name.empty() ? "" : " (" + f.report.result_name + ")");
  } else if (f.code_not_shown || f.report.failed_call.empty()) {
    outcome = fmt::format("{}{}; the log does not name the call that failed",
                          f.code_not_shown ? "certificate verification failed (the log prints its result, not a code)"
                                           : "the log reports " + device::format_code(f.report.result),
                          f.report.result_name.empty() || f.code_not_shown ? "" : " (" + f.report.result_name + ")");
  } else if (!f.report.passed()) {
    std::string where = fmt::format("at {}", tls::stage_name(f.report.stage));
    if (f.report.stage == tls::Stage::kHandshake) {
      // A state only where the log prints one.
      where = f.lines.contains(Fact::kState) ? fmt::format("in client state {}", f.report.handshake_state)
                                              : "during the handshake";
    }
    if (f.report.stage == tls::Stage::kExchange) where = "after the handshake completed";
    outcome = fmt::format("{} returned {}{} {}", f.report.failed_call, device::format_code(f.report.result),
                          f.report.result_name.empty() ? "" : " (" + f.report.result_name + ")", where);
  }
  out += fmt::format("Mbed TLS {}: {}\n\n", f.build.mbedtls_line.empty() ? "(line unknown)" : f.build.mbedtls_line,
                     outcome);
  out += "Timeline:\n";
  for (const auto& ev : f.timeline) out += fmt::format("  line {:>6}  {:<12} {}\n", ev.line, ev.kind, ev.text);
  if (!f.report.offered_suites.empty()) {
    out += fmt::format("\nOffered suites ({}): {}\n", f.report.offered_suites.size(),
                       hex_ids(f.report.offered_suites, " "));
  }
  if (e.bare_code) return out + bare_code_text(e);
  out += e.candidates ? "\nMost likely:\n" : "\nFindings:\n";
  for (size_t i = 0; i < e.findings.size(); ++i) {
    const auto& x = e.findings[i];
    if (e.candidates && i > 0) {
      if (i == 1) out += "\nOther candidates, less likely, in order:\n";
      out += fmt::format("{}. [{}] {}\n     fix: {}\n", i + 1, diagnosis::finding_name(x.finding.id), x.finding.summary,
                         x.finding.fix);
      continue;
    }
    out += fmt::format("{}. [{}] {}\n", i + 1, diagnosis::finding_name(x.finding.id), x.finding.summary);
    for (const auto& ev : x.finding.evidence) out += fmt::format("     evidence: {}\n", ev);
    if (!x.log_lines.empty()) out += fmt::format("     log lines: {}\n", fmt::join(x.log_lines, ", "));
    out += fmt::format("     fix: {}\n", x.finding.fix);
  }
  if (e.findings.empty()) out += "  none: the handshake in this log succeeded.\n";
  if (!e.tell_apart.empty()) out += fmt::format("\nTo tell them apart: {}\n", e.tell_apart);
  for (const auto& note : e.notes) out += fmt::format("\nNote: {}\n", note);
  return out;
}

nlohmann::json to_json(const Explanation& e) {
  nlohmann::json findings = nlohmann::json::array();
  for (const auto& x : e.findings) {
    findings.push_back({{"id", diagnosis::finding_name(x.finding.id)},
                        {"summary", x.finding.summary},
                        {"evidence", x.finding.evidence},
                        {"fix", x.finding.fix},
                        {"log_lines", x.log_lines}});
  }
  nlohmann::json timeline = nlohmann::json::array();
  for (const auto& ev : e.facts.timeline) timeline.push_back({{"line", ev.line}, {"kind", ev.kind}, {"text", ev.text}});
  const auto& r = e.facts.report;
  nlohmann::json hello = nullptr;
  if (e.facts.log.client_hello) {
    const auto& h = *e.facts.log.client_hello;
    hello = {{"cipher_suites", r.offered_suites},
             {"server_name", h.server_name},
             {"supported_versions", h.supported_versions},
             {"groups", h.groups},
             {"signature_algorithms", h.signature_algorithms},
             {"decoded_from_record_dump", e.facts.client_hello_from_dump}};
  }
  nlohmann::json code_candidates = nullptr;
  if (e.bare_code_row) {
    code_candidates = nlohmann::json::array();
    for (const CodeCause& c : e.code_causes) {
      code_candidates.push_back({{"cause", c.cause},
                                 {"finding", c.finding ? nlohmann::json(diagnosis::finding_name(*c.finding))
                                                       : nlohmann::json(nullptr)},
                                 {"it_is_this_if", c.decides}});
    }
  }
  const bool shows_state = e.facts.lines.contains(Fact::kState);
  return {{"findings", findings},
          {"candidates", e.candidates},
          // A bare code: its usual causes, the next step, and where the order comes from.
          {"bare_code", e.bare_code},
          {"code_candidates", code_candidates},
          {"next_step", e.bare_code_row ? nlohmann::json(e.bare_code_row->next) : nlohmann::json(nullptr)},
          {"order_from", e.bare_code_row ? nlohmann::json(e.bare_code_row->priors) : nlohmann::json(nullptr)},
          {"tell_apart", e.tell_apart},
          {"timeline", timeline},
          {"notes", e.notes},
          {"mbedtls_line", e.facts.build.mbedtls_line},
          {"result",
           {{"stage", e.bare_code ? nlohmann::json(nullptr) : nlohmann::json(tls::stage_name(r.stage))},
            {"failed_call", r.failed_call},
            {"error_code", device::format_code(r.result)},
            {"error_high", device::format_code(-static_cast<int32_t>(r.high_part()))},
            {"error_low", device::format_code(-static_cast<int32_t>(r.low_part()))},
            {"handshake_state", shows_state ? nlohmann::json(r.handshake_state) : nlohmann::json(nullptr)}}},
          {"client_hello", hello},
          // "unset", seconds since 1970, or null where the log does not show it.
          {"clock", e.facts.log.clock_known ? nlohmann::json(e.facts.time) : nlohmann::json(nullptr)},
          {"attempts", e.facts.attempts}};
}

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

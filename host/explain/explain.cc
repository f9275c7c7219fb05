#include "explain.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <set>

#include "log_text.h"
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

std::string config_file(const LogFacts& facts) {
  return fmt::format("the Mbed TLS config ({} or your MBEDTLS_CONFIG_FILE)",
                     tls::mbedtls_line_or_newest(facts.build.mbedtls_line).config_header);
}

// The context lines this log holds (context_lines.h), each with the cue it
// gives and a note naming the line; the strongest last, so it ends up first.
std::vector<std::pair<Cue, std::string>> context_notes(const LogFacts& f) {
  std::vector<std::pair<Cue, std::string>> notes;
  if (f.plain_port) {
    notes.emplace_back(
        Cue::kPlainPort,
        fmt::format("Line {} connects to port {}, {}'s plain port, which speaks no TLS.", f.plain_port->line,
                    f.plain_port->value, f.plain_port->value == 1883 ? "MQTT" : "HTTP"));
  }
  if (f.server_address) {
    notes.emplace_back(Cue::kServerAddress,
                       fmt::format("Line {} connects to the IP address {}: the name checked against the server's "
                                   "certificate is then that address, which certificates rarely list; connect by the "
                                   "name the certificate carries, or set it with mbedtls_ssl_set_hostname.",
                                   f.server_address->line, f.server_address->value));
  }
  if (f.clock_1970_line != 0) {
    notes.emplace_back(
        Cue::kClockIn1970,
        fmt::format("Line {} prints a date in 1970: the device's clock was never set.", f.clock_1970_line));
  }
  return notes;
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
  for (LogFacts& episode : facts.earlier_episodes) out.earlier_episodes.push_back(explain(std::move(episode)));
  facts.earlier_episodes.clear();
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
    out.bare_code_row =
        bare_code(f.report.result, f.alert_received ? std::optional(f.alert_received->value) : std::nullopt);
    out.candidates = out.bare_code_row.has_value();
    // The causes that a finding names are the findings, as candidates in
    // the row's order; a code without a row is unexplained.
    const std::vector<size_t> result_line = f.lines.at(Fact::kResult);
    std::vector<CodeCause> causes;
    if (out.bare_code_row) causes.assign(out.bare_code_row->causes.begin(), out.bare_code_row->causes.end());
    // A line that points at one of the code's causes puts it first, and is
    // named; an unset clock is worth knowing whatever the code.
    for (const auto& [cue, note] : context_notes(f)) {
      const auto first =
          std::stable_partition(causes.begin(), causes.end(), [cue](const CodeCause& c) { return c.cue == cue; });
      if (first != causes.begin() || cue == Cue::kClockIn1970) out.notes.push_back(note);
    }
    const std::string next(out.bare_code_row ? out.bare_code_row->next : kTurnOnDebugOutput);
    for (const CodeCause& c : causes) {
      const bool listed = std::any_of(out.findings.begin(), out.findings.end(), [&](const ExplainedFinding& x) {
        return c.finding && x.finding.id == *c.finding;
      });
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
    if (f.stack_error && !f.stack_error->also.empty()) out.notes.emplace_back(f.stack_error->also);
    if (f.attempts > 1 || f.stack_error_line != result_line.front()) {
      out.notes.push_back("The log reports more than one failure; this reads the last one.");
    }
    out.code_causes = std::move(causes);
    return out;
  }
  diagnosis::ServerView no_server;  // a log has only the client's side
  no_server.known = false;
  const diagnosis::Evidence evidence{f.report, f.build, no_server, config_file(f), {f.hostname, f.time, f.auth_mode},
                                     &f.log};
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
        "{} -servername {} -tls1_2{}` fails the same way if the suites are the cause, and connects if not; "
        "then vary -groups, -sigalgs and -tls1_3 the same way. Or run the reproducer (--scenario) against a server "
        "set up like yours: `shakedown run` shows both sides.",
        f.server.empty() ? "HOST:443" : f.server, f.hostname.empty() ? "HOST" : f.hostname,
        openssl_cipher_option(f.report.offered_suites));
  }
  if (f.time == "unset") {
    out.notes.push_back(
        fmt::format("The client's clock was never set: the ClientHello carried a time in 1970 (line {}). "
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
  if (f.attempts > 1 && out.earlier_episodes.empty()) {
    out.notes.push_back(
        fmt::format("The log holds {} handshake attempts; this explains the last one that failed.", f.attempts));
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
      out +=
          fmt::format("{}. {}{}\n     it is this if: {}\n", i + 1,
                      c.finding ? fmt::format("[{}] ", diagnosis::finding_name(*c.finding)) : "", c.cause, c.decides);
    }
    out += fmt::format("\nNext: {}.\n", e.bare_code_row->next);
    out += fmt::format("(The order: {}.)\n", e.bare_code_row->priors);
  }
  const StackAdvice& stack = e.facts.stack != nullptr ? *e.facts.stack : any_stack();
  out += fmt::format(
      "\nFor a decided answer, give shakedown explain the Mbed TLS debug output at level 3. To get it{}: "
      "{}.\n",
      stack.stack.empty() ? "" : fmt::format(" on {}", stack.stack), stack.debug_on);
  for (const auto& note : e.notes) out += fmt::format("\nNote: {}\n", note);
  return out;
}

}  // namespace

std::string findings_text(const Explanation& e) {
  std::string out;
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

namespace {

// One episode's outcome, timeline and findings (its earlier episodes aside).
std::string episode_text(const Explanation& e) {
  std::string out;
  const auto& f = e.facts;
  std::string outcome = "the handshake completed";
  if (!f.result_known) {
    outcome = fmt::format("the log ends during the handshake, in client state {}", f.report.handshake_state);
  } else if (e.bare_code && f.stack_error && !f.stack_error->code_shown) {
    outcome = fmt::format(
        "the log says {} (Mbed TLS's code for that: {} {}); it has no Mbed TLS debug output, so "
        "it does not show where the connection failed",
        f.stack_error->said, device::format_code(f.report.result), f.report.result_name);
  } else if (e.bare_code) {
    const std::string call = f.report.failed_call.empty() ? "a TLS call" : f.report.failed_call;
    outcome = fmt::format(
        "{} failed with {}{}; the log has no Mbed TLS debug output, so it does not show where "
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
  return out + findings_text(e);
}

nlohmann::json episode_json(const Explanation& e) {
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
      code_candidates.push_back(
          {{"cause", c.cause},
           {"finding", c.finding ? nlohmann::json(diagnosis::finding_name(*c.finding)) : nlohmann::json(nullptr)},
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
          // With a bare code: how to get Mbed TLS's debug output on the stack the lines come from.
          {"debug_output_how", e.bare_code
                                   ? nlohmann::json((e.facts.stack != nullptr ? *e.facts.stack : any_stack()).debug_on)
                                   : nlohmann::json(nullptr)},
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

}  // namespace

std::string to_text(const Explanation& e) {
  if (e.earlier_episodes.empty()) return episode_text(e);
  const size_t n = e.earlier_episodes.size() + 1;
  std::string out = fmt::format(
      "The log holds {} episodes: failures with different outcomes, in order. Each is explained on its own.\n", n);
  for (size_t i = 0; i < n; ++i) {
    out += fmt::format("\n=== Episode {} of {} ===\n", i + 1, n) + episode_text(i + 1 < n ? e.earlier_episodes[i] : e);
  }
  return out;
}

nlohmann::json to_json(const Explanation& e) {
  // The last episode's fields at the top (a log of one episode is just that),
  // and every episode, in order, under "episodes".
  nlohmann::json last = episode_json(e);
  nlohmann::json episodes = nlohmann::json::array();
  for (const Explanation& earlier : e.earlier_episodes) episodes.push_back(episode_json(earlier));
  episodes.push_back(last);
  last["episodes"] = std::move(episodes);
  return last;
}

}  // namespace shakedown::explain

#include "log_facts.h"

#include <fmt/format.h>

#include "context_lines.h"
#include "facts_reading.h"
#include "log_text.h"
#include "shakedown/tls/version.h"
#include "statement_forms.h"

namespace shakedown::explain {

LogFactsBuilder::LogFactsBuilder() : reading_(std::make_unique<Reading>()) {}
LogFactsBuilder::~LogFactsBuilder() = default;

void LogFactsBuilder::add(const LogLine& line) {
  if (line.from_mbedtls()) {
    mbedtls_seen_ = true;
    if (auto l = tls::line_from_source_file(line.file)) line_hint_ = *l;
    // A statement cut by wrapping continues on a line without a prefix.
    unrecognised_.reset();
    if (!take_statement(line)) unrecognised_ = line;
    return;
  }
  if (unrecognised_) {
    LogLine joined = *unrecognised_;
    joined.text += (joined.text.ends_with(" ") ? "" : " ") + line.text;
    unrecognised_.reset();
    if (take_statement(joined)) return;
  }
  if (reading_->dump && reading_->take_dump_row(line)) return;
  read_line(application_forms(), *reading_, line.text, line.number);
  if (clock_1970_line_ == 0 && shows_1970(line.text)) clock_1970_line_ = line.number;
  if (auto address = server_address_in(line.text))
    server_address_ = ShownAt<std::string>{line.number, std::move(*address)};
  if (auto port = plain_port_in(line.text)) plain_port_ = ShownAt<uint16_t>{line.number, *port};
  // The same alert's two lines ("got an alert message", "is a fatal alert message") are one event.
  if (auto alert = alert_received_in(line.text);
      alert && !(alert_received_ && alert_received_->value == *alert && line.number - alert_received_->line <= 2)) {
    alert_received_ = ShownAt<uint8_t>{line.number, *alert};
    reading_->event(line.number, "alert-in", fmt::format("the server's alert {}", *alert));
  }
  if (stack_ == nullptr) stack_ = stack_of_line(line.text);
  const bool tls_here = speaks_of_tls(line.text);
  const bool tls_nearby = last_tls_line_ != 0 && line.number - last_tls_line_ <= kTlsContextLines;
  if (tls_here) last_tls_line_ = line.number;
  // A code on a line without a TLS word belongs to the TLS line just before
  // it, unless that line gave its own code ("(-29312) SSL - ..." then the
  // application's "rc=-2").
  const bool recent_error = stack_error_ && line.number - stack_error_line_ <= kTlsContextLines;
  // The line's own TLS word is known here: find_error_in_text need not look again.
  auto error = find_error_in_text(line.text, tls_here || (tls_nearby && !recent_error));
  if (error && !catch_all_after_words(*error, line.number)) {
    stack_error_ = std::move(*error);
    stack_error_line_ = line.number;
    stack_error_text_ = std::string(trim(line.text)).substr(0, 200);
  }
}

bool LogFactsBuilder::catch_all_after_words(const ErrorInText& error, size_t line) const {
  constexpr int32_t kInternalError = -0x6c00;  // MBEDTLS_ERR_SSL_INTERNAL_ERROR
  return error.code == kInternalError && stack_error_ && !stack_error_->code_shown &&
         line - stack_error_line_ <= kTlsContextLines;
}

bool LogFactsBuilder::take_statement(const LogLine& line) {
  Reading& r = *reading_;
  if (r.dump) {
    if (r.take_dump_row(line)) return true;
    r.finish_dump();
  }
  if (r.in_certificate) {
    const std::string_view t = line.text;
    if (t.find(" : ") != std::string_view::npos || starts_with(t, "dNSName") || starts_with(t, "value of")) {
      r.take_certificate_line(line);
      return true;
    }
    r.end_certificate(line.number);
  }
  return read_line(statement_forms(), r, line.text, line.number).take == Take::kTaken;
}

LogFacts LogFactsBuilder::finish() {
  Reading& reading = *reading_;
  if (reading.dump) reading.finish_dump();
  if (reading.in_certificate && reading.cert && reading.current.report.peer_chain.size() < Reading::kMaxCertificates) {
    reading.current.report.peer_chain.push_back(*reading.cert);
  }
  reading.end_attempt();
  LogFacts facts = !reading.episodes.empty() ? std::move(reading.episodes.back())
                   : reading.last_success    ? std::move(*reading.last_success)
                                             : LogFacts{};
  facts.attempts = reading.attempts;
  facts.mbedtls_seen = mbedtls_seen_;
  facts.stack_error = stack_error_;
  facts.stack_error_line = stack_error_line_;
  facts.clock_1970_line = clock_1970_line_;
  facts.server_address = server_address_;
  facts.plain_port = plain_port_;
  facts.alert_received = alert_received_;
  facts.stack = stack_;
  auto& r = facts.report;
  if (!facts.result_known && !stack_error_ && r.verify_flags != 0) {
    // Verify results printed without a code (MicroPython's ValueError, curl's
    // "Cert verify failed"): verification failed, whatever the code was.
    r.result = -0x2700;  // MBEDTLS_ERR_X509_CERT_VERIFY_FAILED
    facts.result_known = true;
    facts.result_from_application = true;
    facts.code_not_shown = true;
    facts.lines[Fact::kResult] = facts.lines[Fact::kVerify];
  }
  if (!facts.result_known && stack_error_) {
    // No Mbed TLS line says how it ended; the wrapping stack's line does.
    r.result = stack_error_->code;
    r.failed_call = stack_error_->call;
    facts.result_known = true;
    facts.result_from_application = true;
    facts.lines[Fact::kResult] = {stack_error_line_};
    facts.timeline.push_back({stack_error_line_, "error", stack_error_text_});
  }
  settle(facts);
  // The episodes before the one explained, each settled the same way.
  for (size_t i = 0; i + 1 < reading.episodes.size(); ++i) {
    LogFacts episode = std::move(reading.episodes[i]);
    episode.mbedtls_seen = mbedtls_seen_;
    episode.attempts = 1;
    settle(episode);
    facts.earlier_episodes.push_back(std::move(episode));
  }
  return facts;
}

void LogFactsBuilder::settle(LogFacts& facts) const {
  // A line with TLS 1.3 (3.x) logs no "max version" line: its ClientHello
  // always carries TLS 1.2 as the legacy version, and only TLS 1.3 adds
  // supported_versions. Suites without a supported version therefore mean
  // TLS 1.2 alone.
  const uint16_t tls12 = tls::wire_id(tls::Version::kTls1_2);
  if (auto& hello = facts.log.client_hello; line_hint_ && line_hint_->has_tls1_3 && hello &&
                                            hello->legacy_version == 0 && hello->supported_versions.empty() &&
                                            !hello->cipher_suites.empty()) {
    hello->legacy_version = tls12;
    facts.build.tls1_2 = true;
  }
  auto& r = facts.report;
  // mbedtls_ssl_handshake prints "<= handshake" when it fails too: a failure
  // the application saw from mbedtls_ssl_handshake is inside the handshake.
  if (facts.result_from_application && r.failed_call == "mbedtls_ssl_handshake" && r.result != 0) {
    facts.handshake_completed = false;
  }
  if (facts.result_known && r.result != 0 && facts.handshake_completed) {
    r.stage = tls::Stage::kExchange;
    // An inner call's code reaches the application through its read (or write).
    if (!facts.result_from_application) {
      r.failed_call = r.failed_call.find("write") != std::string::npos ? "mbedtls_ssl_write" : "mbedtls_ssl_read";
    }
  } else if (facts.result_known && r.result != 0) {
    r.stage = stage_for_call(r.failed_call);
    // An inner call's code ends the handshake: the application sees it from mbedtls_ssl_handshake.
    if (r.stage == tls::Stage::kHandshake && !(facts.stack_error && r.failed_call.empty())) {
      r.failed_call = "mbedtls_ssl_handshake";
    }
  } else if (facts.result_known) {
    r.stage = tls::Stage::kDone;
  } else {
    r.stage = tls::Stage::kHandshake;  // the log ends mid-handshake
  }
  if (tls::handshake_completed(r.stage) && r.version.empty() && facts.log.client_hello &&
      facts.log.client_hello->legacy_version == tls12) {
    r.version = tls::mbedtls_name(tls::Version::kTls1_2);
  }
  facts.log.state_shown = facts.lines.contains(Fact::kState);
  // What the log shows of the build: its line, from the library's file
  // names; the suites it offered.
  facts.build.mbedtls_line = line_hint_ ? line_hint_->name() : "";
  facts.build.ciphersuites = r.offered_suites;
}

}  // namespace shakedown::explain

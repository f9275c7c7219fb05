#include "log_facts.h"

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
  LogFacts facts = reading.kept ? std::move(*reading.kept) : LogFacts{};
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
  facts.attempts = reading.attempts;
  facts.mbedtls_seen = mbedtls_seen_;
  auto& r = facts.report;
  if (facts.result_known && r.result != 0 && facts.handshake_completed) {
    r.stage = tls::Stage::kExchange;
    // An inner call's code reaches the application through its read (or write).
    if (!facts.result_from_application) {
      r.failed_call = r.failed_call.find("write") != std::string::npos ? "mbedtls_ssl_write" : "mbedtls_ssl_read";
    }
  } else if (facts.result_known && r.result != 0) {
    r.stage = stage_for_call(r.failed_call);
    // An inner call's code ends the handshake: the application sees it from mbedtls_ssl_handshake.
    if (r.stage == tls::Stage::kHandshake) r.failed_call = "mbedtls_ssl_handshake";
  } else if (facts.result_known) {
    r.stage = tls::Stage::kDone;
  } else {
    r.stage = tls::Stage::kHandshake;  // the log ends mid-handshake
  }
  if (tls::handshake_completed(r.stage) && r.version.empty() && facts.log.client_hello &&
      facts.log.client_hello->legacy_version == tls12) {
    r.version = tls::mbedtls_name(tls::Version::kTls1_2);
  }
  // What the log shows of the build: its line, from the library's file
  // names; the suites it offered.
  facts.build.mbedtls_line = line_hint_ ? line_hint_->name() : "";
  facts.build.ciphersuites = r.offered_suites;
  return facts;
}

}  // namespace shakedown::explain

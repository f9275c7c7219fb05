#pragma once
// What a debug log says about one handshake attempt: the timeline an expert
// would write down while reading it, and the same facts in the shape the
// diagnosis rules read (a ClientReport, what the log shows of the build, the
// client's run-time setup), each with the log lines it came from.
//
// Fed LogLines in order (log_reader.h). A log holding several attempts
// (a retry loop, a long capture) keeps the last one that got furthest into
// a failure; memory stays bounded whatever the log's length.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "capture.h"
#include "client_report.h"
#include "context_lines.h"
#include "diagnosis.h"
#include "error_in_text.h"
#include "findings.h"
#include "log_reader.h"
#include "shakedown/tls/mbedtls_line.h"
#include "stack_advice.h"

namespace shakedown::explain {

struct TimelineEvent {
  size_t line = 0;   // in the input
  std::string kind;  // state, client-hello, record-in, record-out, alert-in, alert-out, certificate,
                     // verify, clock, error, done, note
  std::string text;  // one line, for a person
};

// Which log lines support a fact: the kinds of fact a finding's declaration
// cites (findings.def).
using Fact = diagnosis::LogFact;

struct LogFacts {
  // For the diagnosis rules.
  device::ClientReport report;
  device::BuildFacts build;  // only what the log shows; see `known`
  std::string hostname;      // empty: no SNI sent
  std::string server;        // HOST:PORT where known (`shakedown connect`); a log does not say
  std::string time = "now";  // "unset" when the ClientHello carried 0, else seconds since 1970
  uint8_t auth_mode = 2;

  // What the log shows beyond the report, as the diagnosis rules read it
  // (the ClientHello, from its text lines or a record dump; Mbed TLS's
  // words for records that do not fit; a certificate request; the clock).
  diagnosis::ClientLogView log;
  bool client_hello_from_dump = false;

  std::vector<TimelineEvent> timeline;
  size_t timeline_dropped = 0;  // events beyond the bound
  std::map<Fact, std::vector<size_t>> lines;
  int attempts = 0;           // handshakes started in the log
  bool mbedtls_seen = false;  // any Mbed TLS debug statement at all
  bool result_known = false;  // the log says how the attempt ended
  // The handshake completed; a failure after it is the application's first
  // exchange (a TLS 1.3 server's alert 116 comes only then).
  bool handshake_completed = false;
  bool read_after_handshake = false;     // and then application data was read ("<= read")
  bool result_from_application = false;  // an application's "! call returned" line gave the result
  // The last failure the log reports in the words of a stack that wraps
  // Mbed TLS (error_in_text.h), with its line: the code a log without any
  // Mbed TLS debug output still gives.
  std::optional<ErrorInText> stack_error;
  size_t stack_error_line = 0;
  // The log shows a verification's result but no code: the result stands
  // for MBEDTLS_ERR_X509_CERT_VERIFY_FAILED, and the outcome says so.
  bool code_not_shown = false;
  // A line outside Mbed TLS's output that prints a date in 1970 (a logger's
  // time stamp, an application's clock print): the device's clock was never
  // set. 0: none.
  size_t clock_1970_line = 0;
  // The last line that connects to a server by its IP address: a name check
  // against the certificate then fails unless it lists that address.
  std::optional<ShownAt<std::string>> server_address;
  // The last line that connects to a port whose service speaks no TLS
  // (1883, 80): the server's answer is not a TLS record.
  std::optional<ShownAt<uint16_t>> plain_port;
  // The alert the server sent, where a stack's logger prints Mbed TLS's
  // words for it without a file name (read as a statement where it has one).
  std::optional<ShownAt<uint8_t>> alert_received;
  // Failures before this one with other outcomes, in order (a thread with a
  // first log, a fix, and a second log): each explained on its own.
  std::vector<LogFacts> earlier_episodes;
  // The stack the lines come from, when its words show (stack_advice.h).
  const StackAdvice* stack = nullptr;
};

struct Reading;  // the builder's state (facts_reading.h)

class LogFactsBuilder {
 public:
  static constexpr size_t kMaxTimeline = 4000;

  LogFactsBuilder();
  ~LogFactsBuilder();
  LogFactsBuilder(const LogFactsBuilder&) = delete;
  LogFactsBuilder& operator=(const LogFactsBuilder&) = delete;

  void add(const LogLine& line);
  LogFacts finish();

 private:
  // An Mbed TLS statement through the statement forms (statement_forms.h);
  // false when none took it.
  bool take_statement(const LogLine& line);
  // What an attempt's facts mean once it has ended: its stage, the call the
  // application saw, the Mbed TLS line its file names say.
  void settle(LogFacts& facts) const;
  // An adapter that says its failure in words and then returns the
  // catch-all MBEDTLS_ERR_SSL_INTERNAL_ERROR for it (Azure's tlsio_mbedtls
  // after its wait): the words say what happened, the code does not.
  bool catch_all_after_words(const ErrorInText& error, size_t line) const;

  std::unique_ptr<Reading> reading_;
  std::optional<LogLine> unrecognised_;  // the last statement no form took (maybe cut by wrapping)
  bool mbedtls_seen_ = false;
  std::optional<ErrorInText> stack_error_;
  size_t stack_error_line_ = 0;
  std::string stack_error_text_;
  // The last line that spoke of TLS: a code on one of the next few lines
  // belongs to it.
  static constexpr size_t kTlsContextLines = 3;
  size_t last_tls_line_ = 0;
  size_t clock_1970_line_ = 0;
  std::optional<ShownAt<std::string>> server_address_;
  std::optional<ShownAt<uint16_t>> plain_port_;
  std::optional<ShownAt<uint8_t>> alert_received_;
  const StackAdvice* stack_ = nullptr;
  std::optional<tls::MbedtlsLine> line_hint_;  // the Mbed TLS line its file names say
};

}  // namespace shakedown::explain

#pragma once
// The facts builder's state while it reads a log, and the ways a recognised
// line records a fact in it. LogFactsBuilder (log_facts.h) drives it; the
// statement forms (statement_forms.h) write to it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "log_facts.h"

namespace shakedown::explain {

// A buffer Mbed TLS is dumping: "dumping 'name' (N bytes)" and its hex rows.
struct Dump {
  std::string name;
  size_t expected = 0;
  std::vector<uint8_t> bytes;
  size_t line = 0;
};

struct Reading {
  static constexpr size_t kMaxSuites = 512;
  static constexpr size_t kMaxCertificates = 16;
  static constexpr size_t kMaxDumpBytes = 1 << 16;

  LogFacts current;                             // the attempt being read
  // Failed attempts with different outcomes, in order: a thread's episodes.
  // Attempts that fail the same way in a row (a retry loop) are one episode,
  // the latest of them kept; past kMaxEpisodes the last one is the latest
  // failure. The last episode is the attempt explained.
  std::vector<LogFacts> episodes;
  static constexpr size_t kMaxEpisodes = 16;
  std::optional<LogFacts> last_success;  // the attempt explained while none has failed
  std::optional<Dump> dump;                     // a dump whose rows are still coming
  std::optional<device::PeerCertificate> cert;  // the peer certificate being printed
  bool in_certificate = false;
  int attempts = 0;
  int32_t last_code = 0;  // the last inner code, so a repeat adds no timeline line

  // A new attempt ("=> handshake"); the one before is kept if it is the one to show.
  void start_attempt(size_t line, std::string_view what = "handshake starts");
  void end_attempt();
  void event(size_t line, std::string kind, std::string text);
  void cite(Fact fact, size_t line);
  // The ClientHello the text lines describe, begun on first use.
  servers::ClientHelloCapture& text_hello();
  // How the attempt ended. An application's line outranks the library's
  // inner returns; among the library's, the last one stands.
  void set_result(size_t line, const std::string& call, int32_t code, bool from_application,
                  const std::string& statement = "");

  // A row of the open dump; false when the line is not one.
  bool take_dump_row(const LogLine& line);
  // The dump ends (all its bytes, or a line that is not a row): what it shows is recorded.
  void finish_dump();

  // A "key : value" line of the certificate being printed.
  void take_certificate_line(const LogLine& line);
  // The certificate's lines ended at `line`: it joins the peer's chain.
  void end_certificate(size_t line);
};

}  // namespace shakedown::explain

#pragma once
// `shakedown explain`: reads a device's Mbed TLS debug log the way an expert
// does and says what went wrong. The findings come from the same rules as
// `shakedown run` (diagnosis.h), fed with what the log shows instead of a
// report and a server capture; each cites the log lines that support it.
// Where the log cannot decide between causes, the candidates come in order
// with what would tell them apart.

#include <istream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bare_codes.h"
#include "diagnosis.h"
#include "log_facts.h"

namespace shakedown::explain {

struct ExplainedFinding {
  diagnosis::Finding finding;
  std::vector<size_t> log_lines;  // the lines that support it, in order
};

struct Explanation {
  LogFacts facts;
  std::vector<ExplainedFinding> findings;  // most likely first
  std::vector<std::string> notes;          // things worth knowing that are not the cause (the clock, ...)
  bool candidates = false;                 // the findings are alternative causes, most likely first
  std::string tell_apart;                  // with candidates: what would decide between them
  // A log with a failure's code but no Mbed TLS debug output to read: the
  // code's usual causes in order (bare_codes.h) instead of findings, and
  // nothing said about how far the handshake got. `bare_code_row` is empty
  // for a code without a row.
  bool bare_code = false;
  std::optional<BareCode> bare_code_row;
  std::vector<CodeCause> code_causes;  // the row's causes, in the order this log makes most likely
  // The failures before this one with other outcomes, in order, each
  // explained on its own (a thread's episodes); this is the last.
  std::vector<Explanation> earlier_episodes;
};

// Why the input is not a log we can read: binary, or no Mbed TLS debug
// output at all. Carries an exit code of its own in the CLI.
class NotALog : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads the whole stream (in chunks: linear time, bounded memory) and
// returns its facts. `name` labels errors ("device.log", "stdin").
LogFacts read_log(std::istream& in, const std::string& name);

Explanation explain(LogFacts facts);

// For a person: the timeline, then the findings with their log lines.
std::string to_text(const Explanation& e);

// The findings part of to_text: the findings (or candidates, with what
// tells them apart) and the notes; for `shakedown connect`, which has its
// own outcome line.
std::string findings_text(const Explanation& e);

// {"findings":[{"id","summary","evidence":[...],"fix","log_lines":[...]}], "timeline":[...], ...}
nlohmann::json to_json(const Explanation& e);

// A scenario (YAML) that reproduces the failure on the simulator: a server
// that behaves as the log says and a client with the suites, versions and
// clock the log shows. Its expectation is the explanation's first finding.
std::string reproducer_scenario(const Explanation& e, const std::string& name);

}  // namespace shakedown::explain

#pragma once
// What a bare Mbed TLS error code usually means, when a log holds the code
// and nothing of Mbed TLS's own debug output: the causes in the order such
// reports usually turn out, each with what a fuller log would show if it is
// the one, and the one next thing to log or try. Nothing here claims a
// handshake state, a message or a stage: a bare code does not show them.
//
// The order of each row is a prior, not a measurement: how the public
// threads that reported the code and settled its cause turned out (each
// row's `priors` cites them, as owner/repo#issue), shakedown's own
// scenarios and field report, or the RFC that defines an alert.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "findings.h"

namespace shakedown::explain {

// The next step where a code says nothing more specific.
inline constexpr std::string_view kTurnOnDebugOutput =
    "Turn on Mbed TLS's debug output at level 3 and give shakedown explain the whole log";

// A line beside the code that points at one cause (context_lines.h): such
// a cause comes first.
enum class Cue { kNone, kClockIn1970, kServerAddress, kPlainPort };

struct CodeCause {
  std::string_view cause;                       // one sentence, for the person with the failing device
  std::optional<diagnosis::FindingId> finding;  // the finding that names this cause, where one does
  std::string_view decides;                     // what the log would show if this is the cause
  Cue cue = Cue::kNone;
};

struct BareCode {
  uint32_t magnitude = 0;             // the whole code (0x262e), or a high-level part (0x2600) for any low part
  uint8_t alert = 0;                  // for 0x7780 (a fatal alert received): the alert the log shows; 0 none
  std::span<const CodeCause> causes;  // most likely first
  std::string_view next;              // the one next thing to log or try
  std::string_view priors;            // where the order comes from
};

// The row for `code` (negative): the whole code's, else its high-level
// part's, else its low-level part's; nullopt for a code without a row.
// `alert`: the fatal alert the log shows with -0x7780, if any.
std::optional<BareCode> bare_code(int32_t code, std::optional<uint8_t> alert = std::nullopt);

// Every row, for tests and docs.
std::span<const BareCode> bare_codes();

}  // namespace shakedown::explain

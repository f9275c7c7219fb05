#pragma once
// The exit statuses of every `shakedown` subcommand, in one place. Scripts
// and CI read them, so they never change meaning.

#include "shakedown/errors/result.h"

namespace shakedown::exit_codes {

inline constexpr int kAllAsExpected = 0;   // every cell (or the one command) went as expected
inline constexpr int kUnexpected = 1;      // a cell's outcome differs from its expectation
inline constexpr int kInfrastructure = 2;  // the host could not do its part (ports, sockets, tools, targets)
inline constexpr int kUsage = 3;           // bad flags, files or names
inline constexpr int kNoTarget = 4;        // no board attached, or the target is not there
inline constexpr int kNotALog = 5;         // `explain` was given something that is not a device log

// The status an Error ends a command with: a finding is an unexpected
// outcome, the other kinds are named alike.
constexpr int for_error(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUsage: return kUsage;
    case ErrorKind::kInfrastructure: return kInfrastructure;
    case ErrorKind::kFinding: return kUnexpected;
  }
  return kInfrastructure;
}

}  // namespace shakedown::exit_codes

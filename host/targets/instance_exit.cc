#include "instance_exit.h"

#include <fmt/format.h>

#include <cstring>
#include <string_view>

namespace shakedown::targets {
namespace {

constexpr std::string_view kExit = "exit ";
constexpr std::string_view kSignal = "killed by signal ";

int leading_number(std::string_view text) {
  int n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') break;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

InstanceExit InstanceExit::from_child(const std::string& words) {
  // Child::finish() is the one place these words are made; they are read
  // back here only, once, into the type every target decides on.
  if (words.starts_with(kExit)) {
    const int status = leading_number(std::string_view(words).substr(kExit.size()));
    return {.kind = status == 0 ? ExitKind::kCleanExit : ExitKind::kExitCode, .number = status};
  }
  if (words.starts_with(kSignal)) {
    return {.kind = ExitKind::kSignalled, .number = leading_number(std::string_view(words).substr(kSignal.size()))};
  }
  return {.kind = ExitKind::kTimedOut};
}

std::string to_string(const InstanceExit& exit) {
  std::string words;
  switch (exit.kind) {
    case ExitKind::kNotRunning: return "";
    case ExitKind::kStopped: return "stopped";
    case ExitKind::kCleanExit:
    case ExitKind::kExitCode: words = fmt::format("exit {}", exit.number); break;
    case ExitKind::kSignalled:
      words = fmt::format("killed by signal {} ({})", exit.number, ::strsignal(exit.number));
      break;
    case ExitKind::kTimedOut: words = "did not finish in time and was killed"; break;
  }
  return exit.meaning.empty() ? words : fmt::format("{} ({})", words, exit.meaning);
}

}  // namespace shakedown::targets

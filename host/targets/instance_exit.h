#pragma once
// How a target instance (a simulator process, a QEMU boot, a board's
// session) ended when it was stopped: the typed health the targets decide
// on, and the words reports print for it ("exit 0", "stopped", ...).

#include <string>

namespace shakedown::targets {

enum class ExitKind {
  kNotRunning,  // nothing was running: a boot that never completed, or stopped before
  kStopped,     // still running when asked to stop, and stopped as asked
  kCleanExit,   // exited with status 0
  kExitCode,    // exited with another status
  kSignalled,   // a signal ended it
  kTimedOut,    // did not end within its bound and was killed
};

struct InstanceExit {
  ExitKind kind = ExitKind::kNotRunning;
  int number = 0;       // the exit status (kCleanExit, kExitCode) or the signal (kSignalled)
  std::string meaning;  // what the status means for the firmware, if known ("CPU fault")

  // How process::Child::finish() words an ending: "exit 2", "killed by
  // signal 9 (Killed)", "did not finish in time and was killed".
  static InstanceExit from_child(const std::string& words);
};

// The words for reports: "exit 0", "exit 12 (CPU fault)", "killed by signal
// 9 (Killed)", "did not finish in time and was killed", "stopped"; "" when
// nothing was running.
std::string to_string(const InstanceExit& exit);

}  // namespace shakedown::targets

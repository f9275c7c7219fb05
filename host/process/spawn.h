#pragma once
// spawn(): the one way the host starts a process. The child
// - runs in a process group of its own (a kill reaches whatever it starts;
//   the terminal's Ctrl-C reaches only shakedown, which decides);
// - inherits only the descriptors given as its stdin, stdout and stderr;
// - starts with no signal blocked (shakedown blocks SIGINT and SIGTERM in
//   its threads to take them on one thread);
// - is killed (SIGKILL) by the kernel when shakedown dies, however it dies,
//   SIGKILL included (PR_SET_PDEATHSIG, checked against the race with a
//   parent dying before it was set).
// Linux sends that signal when the *thread* that forked ends, not the
// process; so every child is forked by one thread kept for the process's
// lifetime, never by a worker thread that ends with its cell.
//
// The caller reaps the child (waitpid on the pid returned).

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace shakedown::process {

struct SpawnRequest {
  std::vector<std::string> argv;  // argv[0] is a path: PATH is not searched (see find_in_path)
  int stdin_fd = -1;              // -1: /dev/null
  int stdout_fd = -1;             // -1: /dev/null
  int stderr_fd = -1;             // -1: /dev/null
  std::filesystem::path cwd;      // empty: the host's
};

// Starts the program; returns its pid, which is also its process group's id.
// Blocks until it has exec'd or failed to. Throws std::runtime_error
// "<argv[0]>: <why>" when it cannot start (no such file, not executable, no
// such cwd).
pid_t spawn(const SpawnRequest& request);

}  // namespace shakedown::process

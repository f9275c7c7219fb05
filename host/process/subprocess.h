#pragma once
// Runs a child process to completion with a bound on its run time, capturing
// stdout and stderr. The child is always reaped: on timeout it is killed
// (with its process group) and waited for.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace shakedown::process {

struct ProcessResult {
  bool started = false;
  std::string start_error;  // why it did not start
  bool timed_out = false;   // killed at the deadline
  int exit_code = -1;       // when it exited
  int signal = 0;           // when a signal ended it
  std::string out;
  std::string err;

  bool exited_cleanly() const { return started && !timed_out && signal == 0 && exit_code == 0; }
  // "exit 2", "killed by signal 11 (Segmentation fault)", "timed out after ..."
  std::string describe() const;
};

ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          size_t max_output_bytes = 16u << 20);

// A program's full path from PATH (like a shell finds it); empty if not
// found. posix_spawn does not search PATH: name programs by this.
std::filesystem::path find_in_path(const std::string& program);

}  // namespace shakedown::process

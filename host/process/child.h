#pragma once
// Child: a long-running child process (a simulator, QEMU) the host talks to
// while it runs. Its stdout is read line by line with a bound; its stderr is
// collected. The destructor kills it (with its process group) and reaps it,
// so no child outlives its owner; nor shakedown, however it dies (spawn.h).

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace shakedown::process {

class Child {
 public:
  // Starts argv[0] (in `cwd` if given) as spawn() does. Throws
  // std::runtime_error if it cannot start.
  explicit Child(const std::vector<std::string>& argv, const std::filesystem::path& cwd = {});
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // The next line of stdout (without its newline) within `timeout`; nullopt
  // on timeout or once stdout closed.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);

  // Waits up to `timeout` for it to exit, then kills it. Returns its exit
  // description as ProcessResult::describe() words it: "exit 0", "killed by
  // signal 11 (...)", "did not finish in time and was killed".
  std::string finish(std::chrono::milliseconds timeout);

  // False once it has exited (it is reaped then); never blocks.
  bool running();
  // Sends `signal` to it, unless it has been reaped already.
  void send_signal(int signal);

  // What it wrote to stderr so far (up to a bound).
  const std::string& stderr_text();
  int pid() const { return pid_; }

 private:
  void drain_stderr(int timeout_ms);
  int pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_buffer_;
  std::string err_text_;
  bool reaped_ = false;
  int status_ = 0;
};

}  // namespace shakedown::process

#include "subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <array>
#include <cstdlib>
#include <sstream>
#include <cerrno>
#include <cstring>

#include "spawn.h"

namespace shakedown::process {
namespace {

using Clock = std::chrono::steady_clock;

class Pipe {
 public:
  Pipe() {
    if (::pipe2(fds_.data(), O_CLOEXEC) != 0) fds_ = {-1, -1};
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  bool ok() const { return fds_[0] >= 0; }
  int read_end() const { return fds_[0]; }
  int write_end() const { return fds_[1]; }
  void close_read() { close_fd(fds_[0]); }
  void close_write() { close_fd(fds_[1]); }

 private:
  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd), fd = -1;
  }
  std::array<int, 2> fds_{};
};

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(std::min<long long>(left, 1'000));
}

}  // namespace

std::string ProcessResult::describe() const {
  if (!started) return "did not start: " + start_error;
  if (timed_out) return "did not finish in time and was killed";
  if (signal != 0) return fmt::format("killed by signal {} ({})", signal, ::strsignal(signal));
  return fmt::format("exit {}", exit_code);
}

ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          size_t max_output_bytes) {
  ProcessResult result;
  Pipe out, err;
  if (!out.ok() || !err.ok()) {
    result.start_error = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  pid_t pid = 0;
  try {
    pid = spawn({.argv = argv, .stdout_fd = out.write_end(), .stderr_fd = err.write_end()});
  } catch (const std::exception& e) {
    result.start_error = e.what();
    return result;
  }
  out.close_write();
  err.close_write();
  result.started = true;

  const auto deadline = Clock::now() + timeout;
  std::array<pollfd, 2> fds{{{out.read_end(), POLLIN, 0}, {err.read_end(), POLLIN, 0}}};
  std::array<std::string*, 2> sinks{&result.out, &result.err};
  int open_pipes = 2;
  char buf[8192];
  int status = 0;
  bool exited = false;
  // Until the child has exited and both pipes are drained, or the deadline.
  while (open_pipes > 0 || !exited) {
    if (Clock::now() >= deadline) {
      ::kill(-pid, SIGKILL);
      result.timed_out = true;
      break;
    }
    if (!exited && ::waitpid(pid, &status, WNOHANG) == pid) exited = true;
    if (open_pipes == 0) {
      ::usleep(2'000);  // output closed, exit not yet seen
      continue;
    }
    int n = ::poll(fds.data(), fds.size(), remaining_ms(deadline));
    if (n < 0 && errno != EINTR) break;
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        if (sinks[i]->size() < max_output_bytes) sinks[i]->append(buf, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open_pipes;
      }
    }
  }
  if (!exited) {
    if (!result.timed_out) ::kill(-pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status) && !result.timed_out) result.signal = WTERMSIG(status);
  return result;
}

std::filesystem::path find_in_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    auto candidate = std::filesystem::path(dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

}  // namespace shakedown::process

#include "child.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "spawn.h"

namespace shakedown::process {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMaxStderr = 1u << 20;

int ms_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1'000));
}

}  // namespace

Child::Child(const std::vector<std::string>& argv, const std::filesystem::path& cwd) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]), ::close(out[1]);
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  try {
    pid_ = spawn({.argv = argv, .stdout_fd = out[1], .stderr_fd = err[1], .cwd = cwd});
  } catch (...) {
    ::close(out[0]), ::close(out[1]), ::close(err[0]), ::close(err[1]);
    throw;
  }
  ::close(out[1]);
  ::close(err[1]);
  out_fd_ = out[0];
  err_fd_ = err[0];
  ::fcntl(err_fd_, F_SETFL, O_NONBLOCK);
}

Child::~Child() {
  if (!reaped_) finish(std::chrono::milliseconds(0));
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
}

std::optional<std::string> Child::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (auto nl = out_buffer_.find('\n'); nl != std::string::npos) {
      std::string line = out_buffer_.substr(0, nl);
      out_buffer_.erase(0, nl + 1);
      return line;
    }
    if (out_fd_ < 0) return std::nullopt;
    pollfd p{out_fd_, POLLIN, 0};
    int left = ms_left(deadline);
    int n = ::poll(&p, 1, left);
    if (n == 0 && Clock::now() >= deadline) return std::nullopt;
    if (n <= 0) continue;
    char buf[4096];
    ssize_t got = ::read(out_fd_, buf, sizeof buf);
    if (got > 0) {
      out_buffer_.append(buf, static_cast<size_t>(got));
    } else if (got == 0 || errno != EINTR) {
      ::close(out_fd_);
      out_fd_ = -1;
    }
  }
}

void Child::drain_stderr(int timeout_ms) {
  if (err_fd_ < 0) return;
  pollfd p{err_fd_, POLLIN, 0};
  while (::poll(&p, 1, timeout_ms) > 0) {
    char buf[4096];
    ssize_t got = ::read(err_fd_, buf, sizeof buf);
    if (got <= 0) break;
    if (err_text_.size() < kMaxStderr) err_text_.append(buf, static_cast<size_t>(got));
  }
}

const std::string& Child::stderr_text() {
  drain_stderr(0);
  return err_text_;
}

bool Child::running() {
  if (reaped_) return false;
  if (::waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

void Child::send_signal(int signal) {
  if (!reaped_) ::kill(pid_, signal);
}

std::string Child::finish(std::chrono::milliseconds timeout) {
  bool killed = false;
  if (!reaped_) {
    const auto deadline = Clock::now() + timeout;
    while (::waitpid(pid_, &status_, WNOHANG) == 0) {
      if (Clock::now() >= deadline) {
        ::kill(-pid_, SIGKILL);
        ::waitpid(pid_, &status_, 0);
        killed = true;
        break;
      }
      drain_stderr(5);
      ::usleep(1'000);  // stderr may be closed already: do not spin
    }
    reaped_ = true;
    drain_stderr(0);
  }
  if (killed) return "did not finish in time and was killed";
  if (WIFSIGNALED(status_))
    return fmt::format("killed by signal {} ({})", WTERMSIG(status_), ::strsignal(WTERMSIG(status_)));
  return fmt::format("exit {}", WEXITSTATUS(status_));
}

}  // namespace shakedown::process

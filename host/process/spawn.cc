#include "spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace shakedown::process {
namespace {

// What the child needs, prepared before fork: after it, the child may only
// make async-signal-safe calls (no allocation).
struct Prepared {
  std::vector<char*> argv;
  int fds[3] = {-1, -1, -1};
  const char* cwd = nullptr;
};

[[noreturn]] void fail_in_child(int report_fd) {
  const int error = errno;
  while (::write(report_fd, &error, sizeof error) < 0 && errno == EINTR) {
  }
  ::_exit(127);
}

// In the child, between fork and exec.
[[noreturn]] void become(const Prepared& p, pid_t parent, int report_fd) {
  ::setpgid(0, 0);
  // Dies with the forking thread; if the parent died before this, the
  // child has been adopted already and must not run.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail_in_child(report_fd);
  if (::getppid() != parent) ::_exit(127);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGCHLD, SIGHUP}) ::sigaction(sig, &default_action, nullptr);
  for (int target = 0; target < 3; ++target) {
    int fd = p.fds[target];
    if (fd < 0) fd = ::open("/dev/null", target == 0 ? O_RDONLY : O_WRONLY);
    if (fd < 0) fail_in_child(report_fd);
    // dup2 onto itself would keep the descriptor's close-on-exec flag.
    if (fd == target ? ::fcntl(fd, F_SETFD, 0) != 0 : ::dup2(fd, target) < 0) fail_in_child(report_fd);
  }
  if (p.cwd != nullptr && ::chdir(p.cwd) != 0) fail_in_child(report_fd);
  // Nothing else is inherited: a test server's accepted socket leaked into a
  // long-lived child (another cell's simulator) would keep the connection
  // open after the server closes or resets it. report_fd stays until the
  // exec closes it (close-on-exec), to say why an exec failed.
  const auto close_from_to = [](unsigned first, unsigned last) {
    if (first > last) return;
    if (::syscall(SYS_close_range, first, last, 0u) != 0) {
      for (unsigned fd = first; fd <= last && fd < 65536; ++fd) ::close(static_cast<int>(fd));
    }
  };
  close_from_to(3, static_cast<unsigned>(report_fd) - 1);
  close_from_to(static_cast<unsigned>(report_fd) + 1, ~0u);
  ::execve(p.argv[0], p.argv.data(), environ);
  fail_in_child(report_fd);
}

// What forking gave: the child's pid, or why there is none. No exception
// crosses from the forking thread: ThreadSanitizer cannot see the reference
// counts libstdc++ keeps on an exception's message, and reports a race.
struct Forked {
  pid_t pid = -1;
  std::string error;
};

Forked fork_and_exec(const Prepared& p) {
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return {.error = std::string("pipe: ") + std::strerror(errno)};
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(report[0]);
    become(p, parent, report[1]);
  }
  const int fork_error = errno;
  ::close(report[1]);
  if (pid < 0) {
    ::close(report[0]);
    return {.error = std::string("fork: ") + std::strerror(fork_error)};
  }
  ::setpgid(pid, pid);  // also here, so the group exists whichever runs first
  int child_error = 0;
  ssize_t got = 0;
  while ((got = ::read(report[0], &child_error, sizeof child_error)) < 0 && errno == EINTR) {
  }
  ::close(report[0]);
  if (got > 0) {  // it never ran the program
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return {.error = std::strerror(child_error)};
  }
  return {.pid = pid};
}

// The thread every child is forked from: it lives as long as the process
// (never joined, its state never destroyed), so a child's parent-death
// signal comes only with the process's death.
class Forker {
 public:
  static Forker& instance() {
    static std::mutex mutex;
    static Forker* forker = nullptr;
    std::lock_guard lock(mutex);
    // A forked copy of the process has the forker's memory but not its
    // thread: it starts its own.
    if (forker == nullptr || forker->pid_ != ::getpid()) forker = new Forker;
    return *forker;
  }

  Forked run(const Prepared& p) {
    if (std::this_thread::get_id() == thread_id_) return fork_and_exec(p);
    // Shared: the forker may still be returning from the task when the
    // caller has its pid and is gone.
    auto task = std::make_shared<std::packaged_task<Forked()>>([&p] { return fork_and_exec(p); });
    std::future<Forked> forked = task->get_future();
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(task));
    }
    wake_.notify_one();
    return forked.get();
  }

 private:
  Forker() : pid_(::getpid()) {
    std::thread thread([this] { serve(); });
    thread_id_ = thread.get_id();
    thread.detach();
  }

  [[noreturn]] void serve() {
    for (;;) {
      std::shared_ptr<std::packaged_task<Forked()>> task;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return !queue_.empty(); });
        task = queue_.front();
        queue_.pop_front();
      }
      (*task)();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<std::packaged_task<Forked()>>> queue_;
  pid_t pid_;
  std::thread::id thread_id_;
};

}  // namespace

pid_t spawn(const SpawnRequest& request) {
  if (request.argv.empty()) throw std::runtime_error("spawn: no program named");
  Prepared p;
  for (const auto& a : request.argv) p.argv.push_back(const_cast<char*>(a.c_str()));
  p.argv.push_back(nullptr);
  p.fds[0] = request.stdin_fd;
  p.fds[1] = request.stdout_fd;
  p.fds[2] = request.stderr_fd;
  const std::string cwd = request.cwd.string();
  if (!cwd.empty()) p.cwd = cwd.c_str();
  const Forked forked = Forker::instance().run(p);
  if (forked.pid < 0) throw std::runtime_error(fmt::format("{}: {}", request.argv[0], forked.error));
  return forked.pid;
}

}  // namespace shakedown::process

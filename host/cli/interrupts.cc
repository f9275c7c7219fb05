#include "interrupts.h"

#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <ctime>

#include "shakedown/errors/exit_codes.h"

namespace shakedown::cli {
namespace {

sigset_t interrupt_signals() {
  sigset_t set;
  ::sigemptyset(&set);
  ::sigaddset(&set, SIGINT);
  ::sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

Interrupts::Interrupts(std::function<void()> at_once) : at_once_(std::move(at_once)) {
  const sigset_t set = interrupt_signals();
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
  watcher_ = std::jthread([this](std::stop_token done) { watch(std::move(done)); });
}

Interrupts::~Interrupts() {
  watcher_.request_stop();
  watcher_.join();
  const sigset_t set = interrupt_signals();
  ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

void Interrupts::watch(std::stop_token done) {
  const sigset_t set = interrupt_signals();
  const timespec tick{0, 100'000'000};  // how often it looks at `done`
  while (!done.stop_requested()) {
    const int sig = ::sigtimedwait(&set, nullptr, &tick);
    if (sig < 0) continue;  // EAGAIN (the tick) or EINTR
    if (!stop_.stop_requested()) {
      fmt::print(stderr,
                 "\nshakedown: {}: stopping the cells under way and writing the reports "
                 "(again to stop at once)\n",
                 sig == SIGINT ? "interrupted" : "terminated");
      stop_.request_stop();
      continue;
    }
    fmt::print(stderr, "\nshakedown: {} again: stopping at once\n", sig == SIGINT ? "interrupted" : "terminated");
    if (at_once_) at_once_();
    std::fflush(stderr);
    ::_exit(exit_codes::kInfrastructure);
  }
}

}  // namespace shakedown::cli

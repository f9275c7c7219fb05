// spawn(): children in their own process group, with clean signals and
// descriptors, that die with the host however it dies.

#include "spawn.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <thread>

#include "child.h"

using shakedown::process::Child;
using shakedown::process::spawn;
using namespace std::chrono_literals;

namespace {

// Waits up to `timeout` for `pid` (a child of ours) to end; its status, or
// nullopt if it still runs.
std::optional<int> reap(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(10ms);
  }
  return status;
}

}  // namespace

TEST_CASE("a child dies with the process that spawned it, even when that one is killed outright") {
  // Orphans come to us, so the grandchild can be reaped and its end seen.
  REQUIRE(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t host = ::fork();
  REQUIRE(host >= 0);
  if (host == 0) {  // the host: spawns a long child, says its pid, waits to be killed
    const pid_t child = spawn({.argv = {"/bin/sleep", "60"}});
    (void)!::write(pipe_fds[1], &child, sizeof child);
    ::pause();
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  pid_t child = 0;
  REQUIRE(::read(pipe_fds[0], &child, sizeof child) == sizeof child);
  ::close(pipe_fds[0]);
  ::kill(host, SIGKILL);
  REQUIRE(reap(host, 5s));
  const auto status = reap(child, 5s);
  if (!status) ::kill(child, SIGKILL), reap(child, 5s);
  REQUIRE(status);
  CHECK(WIFSIGNALED(*status));
  CHECK(WTERMSIG(*status) == SIGKILL);
  ::prctl(PR_SET_CHILD_SUBREAPER, 0);
}

TEST_CASE("a child spawned from a thread that has ended lives on: only the process's death kills it") {
  std::optional<Child> child;
  std::thread([&] { child.emplace(std::vector<std::string>{"/bin/sleep", "30"}); }).join();
  std::this_thread::sleep_for(200ms);
  CHECK(child->running());
}

TEST_CASE("a child starts with no signal blocked, whatever its parent blocks") {
  // In a process of its own that blocks SIGTERM from the start, as
  // `shakedown run` does: its forker thread, made then, blocks it too.
  const pid_t host = ::fork();
  REQUIRE(host >= 0);
  if (host == 0) {
    sigset_t term;
    ::sigemptyset(&term);
    ::sigaddset(&term, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &term, nullptr);
    Child child({"/bin/sleep", "30"});
    child.send_signal(SIGTERM);
    ::_exit(child.finish(5s).starts_with("killed by signal 15") ? 0 : 1);
  }
  const auto status = reap(host, 10s);
  REQUIRE(status);
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
}

TEST_CASE("a child runs in the folder asked for, in a process group of its own") {
  Child child({"/bin/sh", "-c", "pwd; read -r pid comm state ppid pgrp rest < /proc/$$/stat; echo $pgrp"}, "/usr");
  CHECK(child.read_line(5s) == "/usr");
  const auto pgid = child.read_line(5s);
  REQUIRE(pgid);
  CHECK(std::stoi(*pgid) == child.pid());
}

TEST_CASE("a program that cannot start says why, naming it") {
  CHECK_THROWS_WITH(spawn({.argv = {"/nonexistent/program"}}), "/nonexistent/program: No such file or directory");
  CHECK_THROWS_WITH(spawn({.argv = {"/bin/true"}, .cwd = "/nonexistent/folder"}),
                    "/bin/true: No such file or directory");
}

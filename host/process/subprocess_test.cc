#include "subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>

using shakedown::process::run_process;
using namespace std::chrono_literals;

TEST_CASE("a child's output and exit status are captured") {
  auto r = run_process({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, 5s);
  CHECK(r.started);
  CHECK(r.out == "out\n");
  CHECK(r.err == "err\n");
  CHECK(r.exit_code == 3);
  CHECK_FALSE(r.exited_cleanly());
  CHECK(r.describe() == "exit 3");
}

TEST_CASE("a child that hangs is killed at the deadline, with its own children, and reaped") {
  auto start = std::chrono::steady_clock::now();
  auto r = run_process({"/bin/sh", "-c", "sleep 30 & sleep 30"}, 300ms);
  CHECK(r.timed_out);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  CHECK(r.describe() == "did not finish in time and was killed");
}

TEST_CASE("a child killed by a signal is told apart from one that exits") {
  auto r = run_process({"/bin/sh", "-c", "kill -SEGV $$"}, 5s);
  CHECK(r.signal == SIGSEGV);
  CHECK_THAT(r.describe(), Catch::Matchers::StartsWith("killed by signal 11"));
}

TEST_CASE("a program that does not exist does not start, and says why") {
  auto r = run_process({"/nonexistent/shakedown-sim"}, 5s);
  CHECK_FALSE(r.started);
  CHECK_THAT(r.describe(), Catch::Matchers::Contains("/nonexistent/shakedown-sim"));
}

TEST_CASE("a child inherits no descriptor but stdin, stdout and stderr") {
  // A descriptor the parent holds without O_CLOEXEC, as a test server's
  // accepted connection may be while another thread spawns.
  const int leaked = ::open("/dev/null", O_RDONLY);
  REQUIRE(leaked > 2);
  auto r =
      run_process({"/bin/sh", "-c",
                   "if [ -e /proc/$$/fd/" + std::to_string(leaked) + " ]; then echo inherited; else echo clean; fi"},
                  5s);
  ::close(leaked);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "clean\n");
}

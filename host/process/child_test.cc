#include "child.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>

using shakedown::process::Child;
using namespace std::chrono_literals;

TEST_CASE("a child's stdout is read line by line, its stderr kept, its exit reported") {
  Child child({"/bin/sh", "-c", "echo one; echo two; echo oops >&2; exit 4"});
  CHECK(child.read_line(5s) == "one");
  CHECK(child.read_line(5s) == "two");
  CHECK_FALSE(child.read_line(5s));  // stdout closed
  CHECK(child.finish(5s) == "exit 4");
  CHECK(child.stderr_text() == "oops\n");
}

TEST_CASE("a silent child: read_line gives up at its bound, finish kills it") {
  Child child({"/bin/sh", "-c", "sleep 30"});
  auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(child.read_line(200ms));
  CHECK(child.finish(100ms) == "did not finish in time and was killed");
  CHECK(std::chrono::steady_clock::now() - start < 5s);
}

TEST_CASE("a child still running when its owner goes is killed and reaped") {
  int pid = 0;
  {
    Child child({"/bin/sh", "-c", "sleep 30"});
    pid = child.pid();
  }
  CHECK(::kill(pid, 0) != 0);  // gone, not a zombie: it was reaped
}

TEST_CASE("a program that does not exist cannot start") {
  CHECK_THROWS_WITH(Child({"/nonexistent/shakedown-sim"}), Catch::Matchers::Contains("/nonexistent/shakedown-sim"));
}

TEST_CASE("a long-running child inherits no descriptor but stdin, stdout and stderr") {
  // A descriptor the parent holds without O_CLOEXEC, as a test server's
  // accepted connection may be while another thread spawns.
  const int leaked = ::open("/dev/null", O_RDONLY);
  REQUIRE(leaked > 2);
  shakedown::process::Child child(
      {"/bin/sh", "-c",
       "if [ -e /proc/$$/fd/" + std::to_string(leaked) + " ]; then echo inherited; else echo clean; fi"});
  ::close(leaked);
  CHECK(child.read_line(std::chrono::seconds(5)) == "clean");
}

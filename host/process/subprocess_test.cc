#include "subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

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

namespace {

// Whether `pid` still runs: a zombie (killed, not yet reaped by whoever
// inherited it) does not.
bool running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return false;
  const size_t state = text.rfind(')') + 2;
  return state < text.size() && text[state] != 'Z';
}

}  // namespace

TEST_CASE("a child that hangs is killed at the deadline, with its own children, and reaped") {
  const auto pid_file = std::filesystem::temp_directory_path() / ("grandchild-" + std::to_string(::getpid()));
  auto start = std::chrono::steady_clock::now();
  auto r = run_process({"/bin/sh", "-c", "sleep 30 & echo $! > " + pid_file.string() + "; sleep 30"}, 300ms);
  CHECK(r.timed_out);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  CHECK(r.describe() == "did not finish in time and was killed");
  // The child's own child went with it: nothing the tool started outlives the deadline.
  pid_t grandchild = 0;
  std::ifstream(pid_file) >> grandchild;
  std::filesystem::remove(pid_file);
  REQUIRE(grandchild > 0);
  for (int i = 0; i < 100 && running(grandchild); ++i) std::this_thread::sleep_for(10ms);
  CHECK_FALSE(running(grandchild));
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

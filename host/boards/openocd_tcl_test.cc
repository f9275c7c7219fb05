// The TCL client against the real openocd (Debian's), started with no
// adapter and `noinit`: its TCL server and Jim interpreter answer as on a
// bench host, while `reset` is not yet a command and `program` fails.

#include "openocd_tcl.h"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <regex>

#include "child.h"
#include "subprocess.h"
#include "tcp_link.h"

using namespace shakedown;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;

namespace {

// openocd on 127.0.0.1 and a TCL port the kernel picks, which it logs.
struct OpenOcd {
  OpenOcd()
      : child({"/bin/sh", "-c", "exec openocd -c 'gdb_port disabled; telnet_port disabled; tcl_port 0; noinit' 2>&1"}) {
    const std::regex listening(R"(Listening on port (\d+) for tcl connections)");
    while (auto line = child.read_line(10s)) {
      std::smatch m;
      if (std::regex_search(*line, m, listening)) {
        port = static_cast<uint16_t>(std::stoul(m[1]));
        return;
      }
    }
    FAIL("openocd did not say which TCL port it listens on: " << child.stderr_text());
  }
  process::Child child;
  uint16_t port = 0;
};

}  // namespace

TEST_CASE("openocd's own interpreter answers the wrapped commands: ok, or its error message") {
  OpenOcd openocd;
  CHECK(boards::run_openocd_command("127.0.0.1", openocd.port, "version", 5s));
  // Before `init` openocd has no `reset`: its message reaches the caller.
  const auto reset = boards::run_openocd_command("127.0.0.1", openocd.port, boards::openocd_reset_command(), 5s);
  REQUIRE_FALSE(reset);
  CHECK(reset.error().kind == ErrorKind::kInfrastructure);
  CHECK_THAT(reset.error().message,
             Contains(fmt::format("openocd at 127.0.0.1:{}: `reset run` failed", openocd.port)) &&
                 Contains("invalid command name \"reset\""));
  // `program` runs `init`, which fails with no adapter, and openocd shuts down.
  const auto program = boards::run_openocd_command("127.0.0.1", openocd.port,
                                                   boards::openocd_program_command("/srv/fw/firmware.elf"), 10s);
  REQUIRE_FALSE(program);
  CHECK_THAT(program.error().message, Contains("`program {/srv/fw/firmware.elf} verify reset` failed"));
  CHECK_THAT(openocd.child.finish(10s), Contains("exit"));
}

TEST_CASE("an openocd that is not there is an infrastructure error naming it, within the bound") {
  uint16_t port = 0;
  {
    auto listener = links::TcpListener::open();  // a port free a moment ago, nobody listening after
    REQUIRE(listener);
    port = listener->port();
  }
  const auto start = std::chrono::steady_clock::now();
  const auto result = boards::run_openocd_command("127.0.0.1", port, "version", 2s);
  REQUIRE_FALSE(result);
  CHECK_THAT(result.error().message, Contains(fmt::format("openocd at 127.0.0.1:{}", port)));
  CHECK(std::chrono::steady_clock::now() - start < 3s);
}

TEST_CASE("image paths are braced for Tcl, and paths braces cannot quote are refused") {
  CHECK(boards::openocd_program_command("/srv/my images/a.elf") == "program {/srv/my images/a.elf} verify reset");
  CHECK(boards::openocd_checked("reset run") == R"(if {[catch {reset run} e]} {set e "error: $e"} else {set e ok})");
  CHECK_THROWS_AS(boards::openocd_program_command("/srv/{x}/a.elf"), std::invalid_argument);
  CHECK_THROWS_AS(boards::openocd_program_command(R"(C:\fw\a.elf)"), std::invalid_argument);
}

#include "sim_target.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

using namespace shakedown::targets;
using Catch::Matchers::Contains;

TEST_CASE("a simulator build that is not there is an infrastructure error") {
  SimTarget target("/nonexistent/libexec");
  CHECK_FALSE(target.has_build("3.6", "field-2x"));
  HandshakeRequest request{.mbedtls_line = "3.6", .profile = "field-2x", .server_port = 1};
  auto outcome = target.handshake(request);
  REQUIRE(outcome.infrastructure_error);
  CHECK_THAT(*outcome.infrastructure_error, Contains("shakedown-sim-3.6-field-2x"));
}

TEST_CASE("a simulator that announces a port nobody listens on is an infrastructure error, and is reaped") {
  // A stand-in build (a test fake of the simulator's start-up line only).
  const auto dir = std::filesystem::temp_directory_path() / ("shakedown-fake-sim-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto fake = dir / "shakedown-sim-0.0-fake";
  {
    std::ofstream script(fake);
    script << "#!/bin/sh\necho 'listening on 127.0.0.1:1'\nsleep 30\n";
  }
  std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
  SimTarget target(dir);
  HandshakeRequest request{.mbedtls_line = "0.0", .profile = "fake", .server_port = 1};
  auto start = std::chrono::steady_clock::now();
  auto outcome = target.handshake(request);
  REQUIRE(outcome.infrastructure_error);
  CHECK_THAT(*outcome.infrastructure_error, Contains("127.0.0.1:1"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
}

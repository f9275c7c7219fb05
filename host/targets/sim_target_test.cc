#include "sim_target.h"

#include "sim_builds.h"

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

TEST_CASE("a simulator build whose banner names another line or another profile is refused") {
  // Real builds under names they are not: the banner, not the file name, says what runs.
  const auto real = shakedown::sim::default_sim_build_dir();
  REQUIRE(std::filesystem::exists(shakedown::sim::sim_build_path(real, "2.28", "field-2x")));
  const auto dir = std::filesystem::temp_directory_path() / ("shakedown-misnamed-sim-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  struct Misnamed {
    const char* line;
    const char* profile;
  };
  for (const Misnamed& as : {Misnamed{"3.6", "field-2x"}, Misnamed{"2.28", "field-fixed"}}) {
    CAPTURE(as.line, as.profile);
    std::filesystem::create_symlink(shakedown::sim::sim_build_path(real, "2.28", "field-2x"),
                                    shakedown::sim::sim_build_path(dir, as.line, as.profile));
    SimTarget target(dir);
    auto outcome = target.handshake({.mbedtls_line = as.line, .profile = as.profile, .server_port = 1});
    REQUIRE(outcome.infrastructure_error);
    CHECK_THAT(*outcome.infrastructure_error, Contains("says it is Mbed TLS 2.28 with field-2x"));
  }
  std::filesystem::remove_all(dir);
}

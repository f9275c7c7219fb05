// The firmware under QEMU, end to end: a real image boots on mps2-an386,
// its agent answers sync over UART0, and it completes a TLS handshake with
// the real test server through QEMU's user network. Needs qemu-system-arm;
// without it every case says SKIPPED (ctest reports the test as skipped).

#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iostream>

#include "qemu_instance.h"
#include "qemu_target.h"
#include "test_server.h"

namespace {

using namespace shakedown;
using Catch::Matchers::Contains;

constexpr const char* kHostname = "cloud.shakedown.test";

bool qemu_missing() {
  if (!targets::find_in_path("qemu-system-arm").empty()) return false;
  std::cout << "SKIPPED: qemu-system-arm is not installed (apt-get install qemu-system-arm)\n";
  return true;
}

const servers::Chain& ec_chain() {
  static const servers::Chain chain = servers::issue_chain(
      {{{*servers::KeySpec::parse("ec-p256"), "sha256", 0}, {*servers::KeySpec::parse("ec-p256"), "sha256", 0}},
       kHostname},
      SHAKEDOWN_TEST_PKI_CACHE);
  return chain;
}

std::vector<uint8_t> pem_with_nul(const std::string& pem) {
  std::vector<uint8_t> bytes(pem.begin(), pem.end());
  bytes.push_back(0);
  return bytes;
}

}  // namespace

TEST_CASE("a firmware image boots under QEMU, syncs, and completes a handshake with the test server") {
  if (qemu_missing()) return;
  const std::string line = GENERATE("3.6", "2.28");
  targets::QemuTarget target(SHAKEDOWN_QEMU_FIRMWARE_DIR, SHAKEDOWN_RELAY);
  INFO("Mbed TLS " << line << ", image " << target.image_path(line, "default-16k"));
  REQUIRE(target.missing_tools().empty());
  REQUIRE(!target.unavailable(line, "default-16k"));

  servers::EndpointConfig endpoint;
  endpoint.chain = &ec_chain();
  endpoint.max_version = "tls1.2";
  endpoint.idle_timeout = std::chrono::seconds(5);
  servers::TestServer server(endpoint);
  targets::HandshakeRequest request{.mbedtls_line = line,
                                    .profile = "default-16k",
                                    .server_port = server.start(),
                                    .ca_chain = pem_with_nul(ec_chain().root().pem),
                                    .config = {.hostname = kHostname, .debug_level = 1}};
  auto outcome = target.handshake(request);
  INFO(outcome.infrastructure_error.value_or("no infrastructure error"));
  REQUIRE_FALSE(outcome.infrastructure_error);
  CHECK(outcome.build.target == "qemu-mps2-an386");
  CHECK(outcome.build.mbedtls_line == line);
  CHECK_THAT(outcome.build.entropy, Contains("test-only"));
  INFO("result " << outcome.report.result << " " << outcome.report.result_name);
  CHECK(outcome.report.passed());
  CHECK(outcome.report.version == "TLSv1.2");
  CHECK(outcome.report.heap_peak > 10'000);
  bool stack_reported = false;
  for (const auto& entry : outcome.device_log) stack_reported |= entry.starts_with("qemu: stack peak");
  CHECK(stack_reported);
}

TEST_CASE("the QEMU agent answers sync again and again, and QEMU stops when asked") {
  if (qemu_missing()) return;
  targets::QemuTarget target(SHAKEDOWN_QEMU_FIRMWARE_DIR, SHAKEDOWN_RELAY);
  REQUIRE(!target.unavailable("3.6", "default-16k"));
  targets::QemuInstance qemu({.qemu = targets::find_in_path("qemu-system-arm"),
                              .relay = SHAKEDOWN_RELAY,
                              .image = target.image_path("3.6", "default-16k"),
                              .server_port = 1});
  CHECK(qemu.banner().build.profile == "default-16k");
  for (int i = 0; i < 3; ++i) CHECK(qemu.device().sync(std::chrono::seconds(2)).build.target == "qemu-mps2-an386");
  CHECK(qemu.stop(std::chrono::seconds(5)) == "stopped");
}

TEST_CASE("an image that never answers is an infrastructure error within the sync bound") {
  if (qemu_missing()) return;
  const auto dir = std::filesystem::temp_directory_path() / ("shakedown-fake-firmware-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream image(dir / "firmware-qemu-mps2-an386-0.0-fake.elf");
    image << "not an ELF file\n";
  }
  targets::QemuTarget target(dir, SHAKEDOWN_RELAY);
  REQUIRE(!target.unavailable("0.0", "fake"));
  const auto start = std::chrono::steady_clock::now();
  auto outcome = target.handshake({.mbedtls_line = "0.0", .profile = "fake", .server_port = 1});
  std::filesystem::remove_all(dir);
  REQUIRE(outcome.infrastructure_error);
  // QEMU loads what is not an ELF as a raw image and runs it: a silent target.
  CHECK_THAT(*outcome.infrastructure_error, Contains("firmware-qemu-mps2-an386-0.0-fake.elf"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(15));
}

TEST_CASE("a missing firmware image is reported as such") {
  targets::QemuTarget target("/nonexistent/firmware", SHAKEDOWN_RELAY);
  CHECK(target.unavailable("3.6", "default-16k"));
  CHECK_THAT(target.unavailable("3.6", "default-16k").value_or(""),
             Contains("firmware-qemu-mps2-an386-3.6-default-16k.elf") || Contains("not in PATH"));
}

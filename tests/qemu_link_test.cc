// A link that comes up late, or never, on the real firmware under QEMU: the
// image boots with its NIC's link down (QEMU's monitor, set_link), as a
// board's is while auto-negotiation runs after a reset. A connect made
// before link-up waits for it and the handshake passes; a link that never
// comes up is an infrastructure error, never a finding. Needs
// qemu-system-arm; without it every case says SKIPPED.

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "device_session.h"
#include "qemu_instance.h"
#include "qemu_target.h"
#include "qemu_test_support.h"
#include "test_server.h"

namespace {

using namespace shakedown;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using Clock = std::chrono::steady_clock;

using qemu_test::ec_chain;
using qemu_test::kHostname;
using qemu_test::qemu_missing;

servers::EndpointConfig endpoint() {
  servers::EndpointConfig config;
  config.chain = &ec_chain();
  config.max_version = "tls1.2";
  config.idle_timeout = 30s;
  return config;
}

targets::HandshakeRequest request_for(uint16_t port) {
  return {.mbedtls_line = "3.6",
          .profile = "default-16k",
          .server_port = port,
          .ca_chain = qemu_test::pem_with_nul(ec_chain().root().pem),
          .config = {.hostname = kHostname},
          .deadline = 30s};
}

targets::QemuOptions boot_with_link_down(uint16_t server_port) {
  targets::QemuTarget target(SHAKEDOWN_QEMU_FIRMWARE_DIR, SHAKEDOWN_RELAY);
  return {.qemu = process::find_in_path("qemu-system-arm"),
          .relay = SHAKEDOWN_RELAY,
          .image = target.image_path("3.6", "default-16k"),
          .server_port = server_port,
          .link_down_at_boot = true};
}

// One cell's exchange as every device target runs it, started `after` the
// boot, within the request's deadline.
targets::HandshakeOutcome run_cell(targets::QemuInstance& qemu, const targets::HandshakeRequest& request) {
  targets::HandshakeOutcome outcome;
  const auto deadline = Clock::now() + request.deadline;
  try {
    targets::run_handshake_exchange(qemu.device(), request, targets::with_host_time(request.config),
                                    targets::kGuestServerAddress,
                                    targets::kGuestServerPort, deadline, outcome);
  } catch (const std::exception& e) {
    outcome.infrastructure_error = e.what();
  }
  return outcome;
}

}  // namespace

TEST_CASE("a cell started 0.5 s after boot, with the link up only at 2.5 s, waits for the link and passes") {
  if (qemu_missing()) return;
  servers::TestServer server(endpoint());
  const uint16_t port = server.start();
  targets::QemuInstance qemu(boot_with_link_down(port));
  const auto booted = Clock::now();
  REQUIRE(qemu.banner().network);
  CHECK(qemu.banner().network->start == "up");
  CHECK_FALSE(qemu.banner().network->link_up);
  CHECK_FALSE(qemu.banner().network->link_up_at_ms);

  std::jthread cable([&] {
    std::this_thread::sleep_until(booted + 2500ms);
    qemu.set_link(true);
  });
  std::this_thread::sleep_until(booted + 500ms);
  const auto outcome = run_cell(qemu, request_for(port));
  cable.join();

  INFO(outcome.infrastructure_error.value_or("no infrastructure error"));
  REQUIRE_FALSE(outcome.infrastructure_error);
  INFO("result " << outcome.report.result << " " << outcome.report.result_name << ", connect "
                 << outcome.report.connect_failure);
  CHECK(outcome.report.passed());
  // The connect waited for the link instead of failing at once.
  CHECK(outcome.report.duration_ms >= 1'500);
  REQUIRE(outcome.report.network);
  CHECK(outcome.report.network->link_up);
  CHECK(outcome.report.network->link_up_at_ms);
  CHECK(outcome.report.network->address_ready);
  CHECK(outcome.report.network->speed_mbps == 100);
}

TEST_CASE("a link that never comes up is an infrastructure error naming it, within the cell's bound") {
  if (qemu_missing()) return;
  servers::TestServer server(endpoint());
  const uint16_t port = server.start();
  targets::QemuInstance qemu(boot_with_link_down(port));
  const auto request = request_for(port);
  const auto start = Clock::now();
  const auto outcome = run_cell(qemu, request);
  const auto took = Clock::now() - start;

  REQUIRE(outcome.infrastructure_error);
  CHECK_THAT(*outcome.infrastructure_error, Contains("link never came up") && Contains("link down"));
  CHECK(took < request.deadline);
  // The device's connect timeout (10 s) bounds the wait, not the cell's deadline.
  CHECK(took < 15s);
  CHECK(server.captures().empty());
}

// The firmware under QEMU, end to end: a real image boots on mps2-an386,
// its agent answers sync over UART0, and it completes a TLS handshake with
// the real test server through QEMU's user network. Needs qemu-system-arm;
// without it every case says SKIPPED (ctest reports the test as skipped).

#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <future>
#include <iostream>
#include <sstream>
#include <thread>

#include "qemu_instance.h"
#include "subprocess.h"
#include "qemu_target.h"
#include "qemu_test_support.h"
#include "test_server.h"

namespace {

using namespace shakedown;
using Catch::Matchers::Contains;

using qemu_test::ec_chain;
using qemu_test::kHostname;
using qemu_test::pem_with_nul;
using qemu_test::qemu_missing;

struct Process {
  pid_t pid;
  std::string comm;  // as the kernel keeps it: 15 characters at most
  char state;
};

// This process's children (zombies included), from /proc.
std::vector<Process> children() {
  std::vector<Process> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string stat;
    if (!std::getline(in, stat)) continue;
    const auto open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close + 4 > stat.size()) continue;
    std::istringstream rest(stat.substr(close + 2));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == ::getpid()) {
      out.push_back({static_cast<pid_t>(std::stoi(name)), stat.substr(open + 1, close - open - 1), state});
    }
  }
  return out;
}

std::vector<Process> children_named(const std::string& comm) {
  auto all = children();
  std::erase_if(all, [&](const Process& p) { return p.comm != comm; });
  return all;
}

// The guestfwd relays, as the kernel names them.
std::string relay_comm() {
  return std::filesystem::path(SHAKEDOWN_RELAY).filename().string().substr(0, 15);
}

std::string describe(const std::vector<Process>& processes) {
  std::string text;
  for (const auto& p : processes) text += fmt::format("{} {} ({}); ", p.pid, p.comm, p.state);
  return text.empty() ? "none" : text;
}

targets::HandshakeRequest request_for(uint16_t port, uint32_t read_timeout_ms = 5'000) {
  return {.mbedtls_line = "3.6",
          .profile = "default-16k",
          .server_port = port,
          .ca_chain = pem_with_nul(ec_chain().root().pem),
          .config = {.hostname = kHostname, .read_timeout_ms = read_timeout_ms},
          .deadline = std::chrono::seconds(30)};
}

servers::EndpointConfig endpoint(std::chrono::milliseconds stall = {}) {
  servers::EndpointConfig config;
  config.chain = &ec_chain();
  config.max_version = "tls1.2";
  config.idle_timeout = std::chrono::seconds(30);
  if (stall.count() > 0) config.stall_before = 11, config.stall_for = stall;  // before Certificate
  return config;
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
  INFO("stack peak " << outcome.report.stack_peak);
  CHECK(outcome.report.stack_peak > 1'000);      // the agent's and Mbed TLS's frames
  CHECK(outcome.report.stack_peak < 64 * 1024);  // within the image's stack
  // The image reports its own network: QEMU's NIC with its link up from boot.
  REQUIRE(outcome.report.network);
  CHECK(outcome.report.network->start == "up");
  CHECK(outcome.report.network->link_up);
  CHECK(outcome.report.network->link_up_at_ms);
  CHECK(outcome.report.network->address_ready);
  CHECK(outcome.report.connect_failure.empty());
}

TEST_CASE("the QEMU agent answers sync again and again, and QEMU stops when asked") {
  if (qemu_missing()) return;
  targets::QemuTarget target(SHAKEDOWN_QEMU_FIRMWARE_DIR, SHAKEDOWN_RELAY);
  REQUIRE(!target.unavailable("3.6", "default-16k"));
  targets::QemuInstance qemu({.qemu = process::find_in_path("qemu-system-arm"),
                              .relay = SHAKEDOWN_RELAY,
                              .image = target.image_path("3.6", "default-16k"),
                              .server_port = 1});
  CHECK(qemu.banner().build.profile == "default-16k");
  for (int i = 0; i < 3; ++i) CHECK(qemu.device().sync(std::chrono::seconds(2)).build.target == "qemu-mps2-an386");
  CHECK(qemu.stop(std::chrono::seconds(5)).kind == targets::ExitKind::kStopped);
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

TEST_CASE("one QEMU boot serves handshakes with test servers on different ports") {
  if (qemu_missing()) return;
  targets::QemuTarget target(SHAKEDOWN_QEMU_FIRMWARE_DIR, SHAKEDOWN_RELAY);
  REQUIRE(!target.unavailable("3.6", "default-16k"));
  for (int i = 0; i < 3; ++i) {
    servers::TestServer server(endpoint());
    auto outcome = target.handshake(request_for(server.start()));
    INFO("handshake " << i << ": " << outcome.infrastructure_error.value_or("no infrastructure error"));
    REQUIRE_FALSE(outcome.infrastructure_error);
    CHECK(outcome.report.passed());
    CHECK(server.wait_for_captures(1, std::chrono::seconds(3)));
    CHECK(children_named("qemu-system-arm").size() == 1);  // the same boot each time
  }
  CHECK(target.shut_down().empty());
  CHECK(describe(children()) == "none");
}

TEST_CASE("QEMU killed mid-handshake: that cell is an infrastructure error, everything is reaped, the next boots") {
  if (qemu_missing()) return;
  targets::QemuTarget target(SHAKEDOWN_QEMU_FIRMWARE_DIR, SHAKEDOWN_RELAY);
  REQUIRE(!target.unavailable("3.6", "default-16k"));
  {  // a pooled instance to kill: the kill then hits a reused boot
    servers::TestServer server(endpoint());
    auto outcome = target.handshake(request_for(server.start()));
    REQUIRE_FALSE(outcome.infrastructure_error);
  }
  const auto qemus = children_named("qemu-system-arm");
  REQUIRE(qemus.size() == 1);

  // The server stalls before its Certificate far longer than the test takes
  // to kill QEMU; the relay's presence shows the handshake is under way.
  servers::TestServer stalling(endpoint(std::chrono::seconds(20)));
  const uint16_t stalling_port = stalling.start();
  const auto start = std::chrono::steady_clock::now();
  auto pending = std::async(std::launch::async, [&] { return target.handshake(request_for(stalling_port, 15'000)); });
  bool relayed = false;
  for (auto give_up = start + std::chrono::seconds(10); !relayed && std::chrono::steady_clock::now() < give_up;) {
    relayed = !children_named(relay_comm()).empty();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(relayed);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // into the stall
  REQUIRE(::kill(qemus.front().pid, SIGKILL) == 0);
  REQUIRE(pending.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  auto killed = pending.get();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(12));  // not the stall, nor the deadline
  REQUIRE(killed.infrastructure_error);
  CHECK_THAT(*killed.infrastructure_error, Contains("QEMU killed by signal 9"));
  // QEMU and its relay are gone and reaped (a zombie would still be listed).
  CHECK(describe(children_named("qemu-system-arm")) == "none");
  CHECK(describe(children_named(relay_comm())) == "none");

  for (int i = 0; i < 2; ++i) {
    servers::TestServer server(endpoint());
    auto outcome = target.handshake(request_for(server.start()));
    INFO("after the kill, handshake " << i << ": " << outcome.infrastructure_error.value_or("no infrastructure error"));
    REQUIRE_FALSE(outcome.infrastructure_error);
    CHECK(outcome.report.passed());
  }
  CHECK(children_named("qemu-system-arm").size() == 1);  // a fresh boot, then reused
  CHECK(target.shut_down().empty());
  CHECK(describe(children()) == "none");
}

// The one driver's lifecycle (pool, reset or boot, banner check, error
// wrapping, health after a report), through a TEST FAKE backend whose
// device is a replayed link (a recorded 3.6/field-fixed session, see
// testing/replayed_board.h) and whose steps are scripted. No process runs.

#include "pooled_target.h"

#include <fmt/format.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <future>
#include <thread>

#include "instance_exit.h"
#include "replayed_board.h"
#include "traffic_transcript.h"

using namespace shakedown;
using namespace shakedown::targets;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;

namespace {

constexpr const char* kSerial = "0670FF535155878281102539";

const std::vector<links::TrafficChunk>& recording() {
  static const auto chunks =
      links::read_transcript(std::filesystem::path(SHAKEDOWN_TEST_DATA_DIR) / "serial/qemu-3.6-field-fixed.traffic");
  return chunks;
}

// What the fake instances were asked to do, and what they are told to do.
struct Script {
  bool refuse_reset = false;
  bool fail_endpoint = false;
  InstanceExit on_stop{.kind = ExitKind::kCleanExit};
  std::shared_future<void> hold_in_endpoint;  // set: server_endpoint() waits for it
  int made = 0, resets = 0, stops = 0;
  std::atomic<int> boots = 0;
};

// TEST FAKE of a DeviceInstance: boot() opens a replayed board's link and syncs.
class FakeDevice final : public DeviceInstance {
 public:
  FakeDevice(Script& script, int id) : script_(script), id_(id) {}
  std::string label() const override { return fmt::format("fake #{}", id_); }
  bool up() const override { return device_ && !stopped_; }
  void boot(const HandshakeRequest& request, SteadyClock::time_point) override {
    ++script_.boots;
    stopped_ = false;
    bench_ = std::make_unique<testing::ReplayedBench>(recording(), kSerial, testing::ReplayFaults{});
    const auto ports = bench_->ports();
    link_ = bench_->open(ports->back().name).value();
    device_ = std::make_unique<device::DeviceClient>(*link_);
    build_ = device_->sync(2s).build;
    if (build_.profile != request.profile) {
      throw WrongBuild(fmt::format("{} says it is Mbed TLS {} with {}", label(), build_.mbedtls_line, build_.profile));
    }
  }
  bool reset(const HandshakeRequest&, SteadyClock::time_point) override {
    ++script_.resets;
    if (script_.refuse_reset) return false;
    device_->reset(2s);
    return true;
  }
  device::DeviceClient& device() override { return *device_; }
  const device::BuildFacts& build() const override { return build_; }
  std::optional<device::NetworkState> network() const override { return std::nullopt; }
  ServerEndpoint server_endpoint(const std::string& address, uint16_t port) override {
    if (script_.hold_in_endpoint.valid()) script_.hold_in_endpoint.wait();
    if (script_.fail_endpoint) throw std::runtime_error("no route to the server");
    return {address, port};
  }
  InstanceExit stop(std::chrono::milliseconds) override {
    ++script_.stops;
    stopped_ = true;
    device_.reset();
    link_.reset();
    return script_.on_stop;
  }
  ExitKind healthy_exit() const override { return ExitKind::kCleanExit; }
  std::string stderr_text() override { return "the fake's stderr"; }

 private:
  Script& script_;
  int id_;
  std::unique_ptr<testing::ReplayedBench> bench_;
  std::unique_ptr<links::Link> link_;
  std::unique_ptr<device::DeviceClient> device_;
  device::BuildFacts build_;
  bool stopped_ = false;
};

// TEST FAKE backend: instances on demand, or a fixed fleet of `fleet` of them.
class FakeBackend final : public DeviceBackend {
 public:
  FakeBackend(Script& script, int fleet = 0) : script_(script), fleet_(fleet) {}
  std::string name() const override { return "fake"; }
  std::optional<std::string> unavailable(const std::string&, const std::string&) const override { return std::nullopt; }
  DeviceClock clock() const override { return DeviceClock::kFromHost; }
  std::vector<std::unique_ptr<DeviceInstance>> fleet() override {
    std::vector<std::unique_ptr<DeviceInstance>> all;
    for (int i = 0; i < fleet_; ++i) all.push_back(std::make_unique<FakeDevice>(script_, ++script_.made));
    return all;
  }
  std::unique_ptr<DeviceInstance> make_instance(const HandshakeRequest&) override {
    if (fleet_ > 0) return nullptr;
    return std::make_unique<FakeDevice>(script_, ++script_.made);
  }

 private:
  Script& script_;
  int fleet_;
};

HandshakeRequest cell(std::string profile = "field-fixed") {
  return HandshakeRequest{.mbedtls_line = "3.6",
                          .profile = std::move(profile),
                          .server_port = 1,  // the replayed device connects nowhere
                          .ca_chain = std::vector<uint8_t>(900, 'A'),
                          .deadline = 10s};
}

void require_pass(const HandshakeOutcome& outcome) {
  INFO(outcome.infrastructure_error.value_or(""));
  REQUIRE_FALSE(outcome.infrastructure_error);
  CHECK(outcome.report.result == 0);
  CHECK(outcome.build.profile == "field-fixed");
}

}  // namespace

TEST_CASE("an instance serves cell after cell: booted once, then reset") {
  Script script;
  PooledTarget target(std::make_unique<FakeBackend>(script));
  require_pass(target.handshake(cell()));
  require_pass(target.handshake(cell()));
  CHECK(script.made == 1);
  CHECK(script.boots == 1);
  CHECK(script.resets == 1);
  CHECK(target.shut_down().empty());
  CHECK(script.stops == 1);
}

TEST_CASE("an instance that refuses the reset is booted afresh, and the cell runs") {
  Script script{.refuse_reset = true};
  PooledTarget target(std::make_unique<FakeBackend>(script));
  require_pass(target.handshake(cell()));
  require_pass(target.handshake(cell()));
  CHECK(script.made == 1);
  CHECK(script.boots == 2);
}

TEST_CASE("an instance that comes up running another build is an error in its own words, and is dropped") {
  Script script;
  PooledTarget target(std::make_unique<FakeBackend>(script));
  const auto outcome = target.handshake(cell("default-16k"));
  REQUIRE(outcome.infrastructure_error);
  CHECK(*outcome.infrastructure_error == "fake #1 says it is Mbed TLS 3.6 with field-fixed");
  CHECK(script.stops == 1);
  require_pass(target.handshake(cell()));
  CHECK(script.made == 2);
}

TEST_CASE("a failing step is an infrastructure error with the instance's label, exit and stderr, and is dropped") {
  Script script{.fail_endpoint = true, .on_stop = {.kind = ExitKind::kExitCode, .number = 3}};
  PooledTarget target(std::make_unique<FakeBackend>(script));
  const auto outcome = target.handshake(cell());
  REQUIRE(outcome.infrastructure_error);
  CHECK(*outcome.infrastructure_error == "fake #1: no route to the server (exit 3); stderr: the fake's stderr");
  script.fail_endpoint = false;
  require_pass(target.handshake(cell()));
  CHECK(script.made == 2);
}

TEST_CASE("fresh instances are stopped after their report and must end healthily") {
  Script script;
  PooledTarget target(std::make_unique<FakeBackend>(script), {.reuse_instances = false});
  require_pass(target.handshake(cell()));
  CHECK(script.stops == 1);
  script.on_stop = {.kind = ExitKind::kSignalled, .number = 11};
  const auto outcome = target.handshake(cell());
  REQUIRE(outcome.infrastructure_error);
  CHECK_THAT(*outcome.infrastructure_error,
             Contains("fake #2: killed by signal 11") && Contains("after its report; stderr: the fake's stderr"));
  CHECK(script.made == 2);
  CHECK(script.resets == 0);
}

TEST_CASE("beyond max_idle an instance given back is stopped, and the next cell boots afresh") {
  Script script;
  PooledTarget target(std::make_unique<FakeBackend>(script), {.max_idle = 0});
  require_pass(target.handshake(cell()));
  CHECK(script.stops == 1);
  require_pass(target.handshake(cell()));
  CHECK(script.made == 2);
}

TEST_CASE("an idle instance that ends badly at shut-down is a problem for the run's report") {
  Script script{.on_stop = {.kind = ExitKind::kTimedOut}};
  PooledTarget target(std::make_unique<FakeBackend>(script));
  require_pass(target.handshake(cell()));
  const auto problems = target.shut_down();
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] == "fake #1: did not finish in time and was killed when the run ended; stderr: the fake's stderr");
}

TEST_CASE("a fixed fleet: as many cells at once as instances, each reused whatever happened to it") {
  Script script;
  PooledTarget target(std::make_unique<FakeBackend>(script, 2));
  CHECK(target.max_parallel() == 2);
  script.fail_endpoint = true;
  REQUIRE(target.handshake(cell()).infrastructure_error);
  script.fail_endpoint = false;
  require_pass(target.handshake(cell()));
  require_pass(target.handshake(cell()));
  CHECK(script.made == 2);   // never more than the fleet
  CHECK(script.boots == 2);  // the failed one booted again, then reset
  CHECK(script.resets == 1);
}

TEST_CASE("a fixed fleet with every instance busy: a cell waits for one, or is an error at its deadline") {
  Script script;
  std::promise<void> release;
  script.hold_in_endpoint = release.get_future().share();
  PooledTarget target(std::make_unique<FakeBackend>(script, 1));
  auto busy = std::async(std::launch::async, [&] { return target.handshake(cell()); });
  while (script.boots.load() == 0) std::this_thread::sleep_for(5ms);

  auto short_cell = cell();
  short_cell.deadline = 300ms;
  const auto start = std::chrono::steady_clock::now();
  const auto starved = target.handshake(short_cell);
  REQUIRE(starved.infrastructure_error);
  CHECK(*starved.infrastructure_error == "no fake instance became free before the cell's deadline");
  CHECK(std::chrono::steady_clock::now() - start < 2s);

  auto waiting = std::async(std::launch::async, [&] { return target.handshake(cell()); });
  std::this_thread::sleep_for(50ms);
  release.set_value();
  require_pass(busy.get());
  require_pass(waiting.get());
  CHECK(script.made == 1);
}

TEST_CASE("a cell waiting for a busy fleet gives up at once when the run stops, before its deadline") {
  Script script;
  std::promise<void> release;
  script.hold_in_endpoint = release.get_future().share();
  PooledTarget target(std::make_unique<FakeBackend>(script, 1));
  auto busy = std::async(std::launch::async, [&] { return target.handshake(cell()); });
  while (script.boots.load() == 0) std::this_thread::sleep_for(5ms);

  std::stop_source stop;
  auto waiting_cell = cell();
  waiting_cell.deadline = 60s;
  waiting_cell.stop = stop.get_token();
  auto waiting = std::async(std::launch::async, [&] { return target.handshake(waiting_cell); });
  std::this_thread::sleep_for(100ms);
  const auto start = std::chrono::steady_clock::now();
  stop.request_stop();
  const auto stopped = waiting.get();
  CHECK(std::chrono::steady_clock::now() - start < 1s);
  REQUIRE(stopped.infrastructure_error);
  CHECK_THAT(*stopped.infrastructure_error, Contains("the run is stopping"));
  release.set_value();
  require_pass(busy.get());
}

TEST_CASE("an instance's ending in the words reports print") {
  using K = ExitKind;
  CHECK(to_string(InstanceExit::from_child("exit 0")) == "exit 0");
  CHECK(InstanceExit::from_child("exit 0").kind == K::kCleanExit);
  CHECK(InstanceExit::from_child("exit 12").kind == K::kExitCode);
  CHECK(InstanceExit::from_child("exit 12").number == 12);
  CHECK(to_string(InstanceExit{.kind = K::kExitCode, .number = 12, .meaning = "CPU fault"}) == "exit 12 (CPU fault)");
  const auto killed = InstanceExit::from_child("killed by signal 9 (Killed)");
  CHECK(killed.kind == K::kSignalled);
  CHECK(killed.number == 9);
  CHECK_THAT(to_string(killed), Contains("killed by signal 9 ("));
  CHECK(InstanceExit::from_child("did not finish in time and was killed").kind == K::kTimedOut);
  CHECK(to_string({.kind = K::kTimedOut}) == "did not finish in time and was killed");
  CHECK(to_string({.kind = K::kStopped}) == "stopped");
  CHECK(to_string({}) == "");
}

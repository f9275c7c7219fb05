#include "pooled_target.h"

#include <fmt/format.h>
#include <unistd.h>

#include <array>

namespace shakedown::targets {
namespace {

using namespace std::chrono_literals;

// For an instance to stop: a simulator exits once the host hangs up, QEMU
// on SIGTERM.
constexpr auto kStop = 5s;

constexpr const char* kStopped = "the run is stopping: not started";
constexpr const char* kLoopback = "127.0.0.1";  // where every cell's test server listens

std::string stderr_note(DeviceInstance& instance) {
  const std::string err = instance.stderr_text();
  return err.empty() ? "" : "; stderr: " + tail(err);
}

}  // namespace

std::string this_host_name() {
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0) return "this host";
  return name.data();
}

PooledTarget::PooledTarget(std::unique_ptr<DeviceBackend> backend, PoolOptions options)
    : backend_(std::move(backend)), options_(options), pool_(backend_->fleet(), options.max_idle) {}

PooledTarget::~PooledTarget() {
  shut_down();
}

unsigned PooledTarget::max_parallel() const {
  // One cell per instance of a fixed fleet: more would only queue for one.
  return pool_.fixed() ? static_cast<unsigned>(pool_.fleet_size()) : Target::max_parallel();
}

HandshakeOutcome PooledTarget::handshake(const HandshakeRequest& request) {
  HandshakeOutcome outcome;
  const auto deadline = SteadyClock::now() + request.deadline;
  const BuildKey key{request.mbedtls_line, request.profile};

  // A fresh instance is made on demand, or taken from a fixed fleet and booted again.
  const bool from_pool = pool_.fixed() || (options_.reuse_instances && !request.fresh_instance);
  std::unique_ptr<DeviceInstance> instance = from_pool ? pool_.take(key, deadline, request.stop) : nullptr;
  if (!instance && !pool_.fixed() && !request.stop.stop_requested()) instance = backend_->make_instance(request);
  if (!instance) {  // a fixed fleet all busy until the deadline (or an empty one), or the run is stopping
    outcome.infrastructure_error = request.stop.stop_requested() ? kStopped : backend_->none_free();
    return outcome;
  }
  outcome.ran_on = instance->ran_on();
  try {
    // A reused instance is reset first; one that does not take the reset
    // (it died while idle, or hangs) is booted afresh.
    if (request.fresh_instance || !instance->up() || !instance->reset(request, deadline)) {
      instance->boot(request, deadline);
    }
    outcome.build = instance->build();
    if (const auto network = instance->network()) {
      if (auto why = device::network_not_started(*network)) {
        throw std::runtime_error(fmt::format("{} (banner: {})", *why, device::describe(*network)));
      }
    }
    const ServerEndpoint server = instance->server_endpoint(
        request.server_address.empty() ? kLoopback : request.server_address, request.server_port);
    const device::DeviceConfig config =
        backend_->clock() == DeviceClock::kFromHost ? with_host_time(request.config) : request.config;
    run_handshake_exchange(instance->device(), request, config, server.address, server.port, deadline, outcome);
  } catch (const WrongBuild& e) {
    outcome.infrastructure_error = e.what();
    instance->stop(0ms);
    drop(key, std::move(instance));
    return outcome;
  } catch (const std::exception& e) {
    // Whatever state it is in, it is stopped: the next cell boots afresh.
    // A run that is stopping does not wait for it (a simulator in a
    // handshake would not notice the hang-up until its read timeout).
    const bool stopping = request.stop.stop_requested();
    const InstanceExit exit = instance->stop(stopping ? 0ms : kStop);
    const bool worth_saying = !stopping && exit.kind != ExitKind::kNotRunning && exit.kind != ExitKind::kStopped;
    outcome.infrastructure_error =
        fmt::format("{}: {}{}{}", instance->label(), e.what(),
                    worth_saying ? " (" + instance->describe(exit) + ")" : "", stderr_note(*instance));
    outcome.device_link_failed = dynamic_cast<const device::DeviceError*>(&e) != nullptr;
    drop(key, std::move(instance));
    return outcome;
  }
  give_back(key, std::move(instance), outcome);
  return outcome;
}

void PooledTarget::give_back(const BuildKey& key, std::unique_ptr<DeviceInstance> instance, HandshakeOutcome& outcome) {
  if (options_.reuse_instances || pool_.fixed()) {
    // Over the cap, it is stopped: the next cell of this build boots afresh.
    if (auto spare = pool_.give_back(key, std::move(instance))) spare->stop(kStop);
    return;
  }
  if (const InstanceExit exit = instance->stop(kStop); exit.kind != instance->healthy_exit()) {
    outcome.infrastructure_error =
        fmt::format("{}: {} after its report{}", instance->label(), instance->describe(exit), stderr_note(*instance));
  }
}

void PooledTarget::drop(const BuildKey& key, std::unique_ptr<DeviceInstance> instance) {
  if (pool_.fixed()) pool_.give_back(key, std::move(instance));
}

std::vector<std::string> PooledTarget::shut_down() {
  std::vector<std::string> problems;
  for (auto& [key, idle] : pool_.drain()) {
    for (auto& instance : idle) {
      if (const InstanceExit exit = instance->stop(kStop); exit.kind != instance->healthy_exit()) {
        problems.push_back(fmt::format("{}: {} when the run ended{}", instance->label(), instance->describe(exit),
                                       stderr_note(*instance)));
      }
    }
  }
  return problems;
}

}  // namespace shakedown::targets

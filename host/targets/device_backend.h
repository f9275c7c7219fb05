#pragma once
// DeviceBackend: what one kind of target does differently from the others,
// behind the one lifecycle PooledTarget drives for all of them (take an
// instance, reset or boot it, check its banner, point it at the server, run
// the exchange, give it back). A backend makes DeviceInstances: a simulator
// process, a QEMU boot, a board on a bench.
//
// Threads: PooledTarget hands an instance to one thread at a time; a
// backend's own methods may be called from several threads at once.
// Errors: a DeviceInstance method that cannot do its step throws
// std::runtime_error (or device::DeviceError) saying what went wrong, in
// words that follow the instance's label(); PooledTarget turns it into the
// cell's infrastructure error. Every step is bounded by the deadline given.

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "device_client.h"
#include "device_session.h"
#include "instance_exit.h"
#include "target.h"

namespace shakedown::targets {

// This host's name, as results give it.
std::string this_host_name();

// Where the device must connect to reach the request's server: the cell's
// test server on 127.0.0.1, or a server the user named.
struct ServerEndpoint {
  std::string address;
  uint16_t port = 0;
};

// A freshly booted instance whose banner names another build than the one
// asked for: what() is the whole message (it names the instance itself).
class WrongBuild : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class DeviceInstance {
 public:
  virtual ~DeviceInstance() = default;

  // Names it in messages: "simulator shakedown-sim-3.6-field-2x".
  virtual std::string label() const = 0;
  // For results: this host and the label, unless it hangs off another host.
  virtual RanOn ran_on() const { return {this_host_name(), label()}; }
  // Booted and not stopped since: device() and build() may be used.
  virtual bool up() const = 0;

  // From any state (off, wedged, stopped, running another build) to running
  // the request's build, synced. Throws WrongBuild if it came up running
  // another build and cannot be changed (no flashing); the caller stops it.
  virtual void boot(const HandshakeRequest& request, SteadyClock::time_point deadline) = 0;
  // The quick way back to a fresh session for a reused instance that is up
  // (a protocol reset), ending up running the request's build. False when
  // it refused the reset: the caller boots it instead. Throws as boot().
  virtual bool reset(const HandshakeRequest& request, SteadyClock::time_point deadline) = 0;

  virtual device::DeviceClient& device() = 0;
  // What its last banner said.
  virtual const device::BuildFacts& build() const = 0;
  // What its last banner said about its own network; nullopt from devices
  // that do not report one (the simulator).
  virtual std::optional<device::NetworkState> network() const = 0;

  // Points whatever carries the device's connections (QEMU's guestfwd, a
  // bench relay) at address:port and says where the device must connect.
  // Throws std::runtime_error for an address it cannot reach (the relays
  // connect to 127.0.0.1 only). Called between handshakes only.
  virtual ServerEndpoint server_endpoint(const std::string& address, uint16_t port) = 0;

  // Stops it within `timeout` (then kills what is left); returns how it
  // ended. An instance may be booted again after stop().
  virtual InstanceExit stop(std::chrono::milliseconds timeout) = 0;
  // How a healthy instance ends when stopped (a simulator exits 0 once the
  // host hangs up; QEMU and a board are stopped).
  virtual ExitKind healthy_exit() const = 0;
  // Its words for an ending, e.g. "QEMU exit 12 (CPU fault)".
  virtual std::string describe(const InstanceExit& exit) const { return to_string(exit); }
  // What its process wrote to stderr (bounded); "" if none.
  virtual std::string stderr_text() { return ""; }
};

// Whether the device keeps its own wall clock (the simulator reads the
// host's) or takes the host's through its configuration (firmware has none).
enum class DeviceClock { kOwn, kFromHost };

class DeviceBackend {
 public:
  virtual ~DeviceBackend() = default;
  // "sim", "qemu", "board": names the target in reports.
  virtual std::string name() const = 0;
  // Why a (line, profile) cell cannot run here (a missing build or tool).
  virtual std::optional<std::string> unavailable(const std::string& mbedtls_line, const std::string& profile) const = 0;
  virtual DeviceClock clock() const = 0;

  // Where instances come from. Either a fixed set, handed over once at the
  // start (a bench's boards: any runs any build, and a cell waits for a
  // free one), or none, and then one is made on demand for a build.
  virtual std::vector<std::unique_ptr<DeviceInstance>> fleet() { return {}; }
  // A new instance, off, for the request's build; nullptr for a fixed fleet.
  virtual std::unique_ptr<DeviceInstance> make_instance(const HandshakeRequest& request) = 0;
  // For a fixed fleet: the cell's error when none became free in time.
  virtual std::string none_free() const { return "no " + name() + " instance became free before the cell's deadline"; }
};

}  // namespace shakedown::targets

#pragma once
// SimInstance: one running simulator build, synced and ready for requests.
// Starting it: spawn the build listening on 127.0.0.1:0, read the port it
// prints, connect, sync. Stopping it: hang up, wait for a clean exit. The
// process is killed and reaped whatever happens.

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "chaos_link.h"
#include "child.h"
#include "device_client.h"
#include "instance_exit.h"
#include "tcp_link.h"

namespace shakedown::targets {

class SimInstance {
 public:
  // Starts `executable` and syncs with it, through `chaos`'s faults if
  // given. Throws std::runtime_error (or device::DeviceError) saying what
  // went wrong; the process is gone then.
  explicit SimInstance(const std::filesystem::path& executable, links::ChaosSource* chaos = nullptr);
  SimInstance(const SimInstance&) = delete;
  SimInstance& operator=(const SimInstance&) = delete;

  device::DeviceClient& device() { return *device_; }
  const device::Banner& banner() const { return banner_; }

  // Hangs up and waits up to `timeout` for the build to exit; returns how it
  // ended (kCleanExit when healthy). Its stderr is in process().
  InstanceExit stop(std::chrono::milliseconds timeout);
  process::Child& process() { return child_; }

 private:
  process::Child child_;
  std::unique_ptr<links::Link> link_;
  std::optional<device::DeviceClient> device_;
  device::Banner banner_;
};

}  // namespace shakedown::targets

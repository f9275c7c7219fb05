#pragma once
// The instances a target keeps between handshakes, per (Mbed TLS line,
// profile), so one instance serves cell after cell as a board does. Two
// kinds: made on demand (simulator processes, QEMU boots: a cell takes an
// idle one of its build or gets none and boots one; at most `max_idle` wait)
// and a fixed fleet (a bench's boards: every instance is in the pool from
// the start, a cell takes a free one, preferably running its build, waiting
// for one if all are busy). Safe to use from several threads.

#include <condition_variable>
#include <stop_token>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "device_backend.h"

namespace shakedown::targets {

using BuildKey = std::pair<std::string, std::string>;  // (line, profile)

class InstancePool {
 public:
  using Idle = std::map<BuildKey, std::vector<std::unique_ptr<DeviceInstance>>>;

  // A fixed fleet, all idle now; or, when `fleet` is empty, instances made
  // on demand, at most `max_idle` of them idle across all builds.
  InstancePool(std::vector<std::unique_ptr<DeviceInstance>> fleet, size_t max_idle)
      : max_idle_(max_idle), fleet_size_(fleet.size()) {
    // Reversed: take() pops from the back, so the first one listed goes first.
    for (auto it = fleet.rbegin(); it != fleet.rend(); ++it) idle_[BuildKey{}].push_back(std::move(*it));
  }

  bool fixed() const { return fleet_size_ > 0; }
  size_t fleet_size() const { return fleet_size_; }

  // On demand: an idle instance of that build, or nullptr at once. Fixed:
  // a free instance (of that build if one is free), waiting for one until
  // `deadline` or a request on `stop`; nullptr if none became free.
  std::unique_ptr<DeviceInstance> take(const BuildKey& key, SteadyClock::time_point deadline,
                                       std::stop_token stop = {}) {
    std::unique_lock lock(mutex_);
    std::unique_ptr<DeviceInstance> found;
    auto free_one = [&] {
      found = pop(idle_[key]);
      for (auto it = idle_.begin(); !found && fixed() && it != idle_.end(); ++it) found = pop(it->second);
      return found != nullptr;
    };
    if (!free_one() && fixed()) given_back_.wait_until(lock, stop, deadline, free_one);
    return found;
  }

  // Keeps `instance` for the next handshake of its build; returns it instead
  // when an on-demand pool is full, for the caller to stop.
  std::unique_ptr<DeviceInstance> give_back(const BuildKey& key, std::unique_ptr<DeviceInstance> instance) {
    {
      std::lock_guard lock(mutex_);
      if (!fixed()) {
        size_t idle = 0;
        for (const auto& [k, pool] : idle_) idle += pool.size();
        if (idle >= max_idle_) return instance;
      }
      idle_[key].push_back(std::move(instance));
    }
    given_back_.notify_one();
    return nullptr;
  }

  // Every idle instance, leaving the pool empty (for shutting down).
  Idle drain() {
    Idle idle;
    std::lock_guard lock(mutex_);
    idle.swap(idle_);
    return idle;
  }

 private:
  static std::unique_ptr<DeviceInstance> pop(std::vector<std::unique_ptr<DeviceInstance>>& pool) {
    if (pool.empty()) return nullptr;
    auto instance = std::move(pool.back());
    pool.pop_back();
    return instance;
  }

  size_t max_idle_ = std::numeric_limits<size_t>::max();
  size_t fleet_size_ = 0;
  std::mutex mutex_;
  std::condition_variable_any given_back_;  // _any: its waits end on a stop request too
  Idle idle_;
};

}  // namespace shakedown::targets

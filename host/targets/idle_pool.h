#pragma once
// Idle target instances (simulator processes, QEMU boots) kept between
// handshakes, per (Mbed TLS line, profile), so one instance serves cell
// after cell as a board does. Safe to use from several threads.

#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace shakedown::targets {

template <typename Instance>
class IdlePool {
 public:
  using BuildKey = std::pair<std::string, std::string>;  // (line, profile)
  using Idle = std::map<BuildKey, std::vector<std::unique_ptr<Instance>>>;

  // At most `max_idle` instances wait, across all builds.
  explicit IdlePool(size_t max_idle = std::numeric_limits<size_t>::max()) : max_idle_(max_idle) {}

  // An idle instance of that build, or nullptr.
  std::unique_ptr<Instance> take(const BuildKey& key) {
    std::lock_guard lock(mutex_);
    auto& pool = idle_[key];
    if (pool.empty()) return nullptr;
    auto instance = std::move(pool.back());
    pool.pop_back();
    return instance;
  }

  // Keeps `instance` for the next handshake of its build; returns it instead
  // when the pool is full, for the caller to stop.
  std::unique_ptr<Instance> give_back(const BuildKey& key, std::unique_ptr<Instance> instance) {
    std::lock_guard lock(mutex_);
    size_t idle = 0;
    for (const auto& [k, pool] : idle_) idle += pool.size();
    if (idle >= max_idle_) return instance;
    idle_[key].push_back(std::move(instance));
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
  size_t max_idle_;
  std::mutex mutex_;
  Idle idle_;
};

}  // namespace shakedown::targets

#include "chaos_link.h"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <thread>

namespace shakedown::links {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// SplitMix64 (Steele, Lea, Flood 2014): tiny, and the same numbers on every
// platform, unlike the standard library's distributions.
uint64_t next(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double uniform(uint64_t& state) {
  return static_cast<double>(next(state) >> 11) * 0x1.0p-53;
}

// 1..n
uint64_t one_to(uint64_t& state, uint64_t n) {
  return 1 + next(state) % std::max<uint64_t>(n, 1);
}

}  // namespace

ChaosCounts& ChaosCounts::operator+=(const ChaosCounts& o) {
  dropped += o.dropped, corrupted += o.corrupted, duplicated += o.duplicated, delayed += o.delayed, cuts += o.cuts;
  return *this;
}

ChaosLink::ChaosLink(std::unique_ptr<Link> inner, uint64_t seed, ChaosRates rates, Sleep sleep)
    : inner_(std::move(inner)), seed_(seed), rates_(rates), sleep_(std::move(sleep)) {
  if (!sleep_) sleep_ = [](milliseconds d) { std::this_thread::sleep_for(d); };
  uint64_t s = seed;
  to_device_.state = next(s);
  from_device_.state = next(s);
}

ChaosLink::~ChaosLink() {
  if (on_destroy_) on_destroy_(counts_);
}

std::string ChaosLink::describe() const {
  return fmt::format("{} (chaos seed {})", inner_->describe(), seed_);
}

void ChaosLink::pass(Direction& way, std::vector<uint8_t>& out, uint8_t byte) const {
  out.push_back(byte);
  way.passed.push_back(byte);
  if (way.passed.size() > rates_.max_replay) way.passed.pop_front();
}

std::vector<uint8_t> ChaosLink::damage(Direction& way, std::span<const uint8_t> bytes, milliseconds& delay) {
  std::vector<uint8_t> out;
  out.reserve(bytes.size());
  // One draw per byte against the rates laid end to end.
  const double drop = rates_.drop, corrupt = drop + rates_.corrupt, duplicate = corrupt + rates_.duplicate,
               pause = duplicate + rates_.delay, cut = pause + rates_.cut;
  for (uint8_t byte : bytes) {
    const double u = uniform(way.state);
    if (u >= cut) {
      pass(way, out, byte);
    } else if (u < drop) {
      ++counts_.dropped;
    } else if (u < corrupt) {
      ++counts_.corrupted;
      pass(way, out, static_cast<uint8_t>(byte ^ one_to(way.state, 255)));
    } else if (u < duplicate) {
      ++counts_.duplicated;
      pass(way, out, byte);
      const size_t span = std::min<size_t>(one_to(way.state, rates_.max_replay), way.passed.size());
      const std::vector<uint8_t> again(way.passed.end() - static_cast<long>(span), way.passed.end());
      for (uint8_t b : again) pass(way, out, b);
    } else if (u < pause) {
      ++counts_.delayed;
      pass(way, out, byte);
      delay = std::max(delay, milliseconds(one_to(way.state, static_cast<uint64_t>(rates_.max_delay.count()))));
    } else {
      ++counts_.cuts;
      cut_ = true;
      break;
    }
  }
  return out;
}

void ChaosLink::pause(milliseconds delay, milliseconds timeout) {
  if (delay.count() > 0) sleep_(std::min(delay, timeout));
}

LinkRead ChaosLink::read(std::span<uint8_t> out, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  // Bytes a fault dropped entirely are read past, within the timeout.
  while (unread_.empty() && !cut_) {
    LinkRead got = inner_->read(out, time_left(deadline));
    if (got.status != LinkRead::Status::kData) return got;
    milliseconds delay{0};
    unread_ = damage(from_device_, out.first(got.bytes), delay);
    pause(delay, time_left(deadline));
    if (unread_.empty() && time_left(deadline).count() == 0) return {LinkRead::Status::kTimedOut, 0};
  }
  if (unread_.empty()) return {LinkRead::Status::kClosed, 0};
  const size_t n = std::min(out.size(), unread_.size());
  std::copy_n(unread_.begin(), n, out.begin());
  unread_.erase(unread_.begin(), unread_.begin() + static_cast<long>(n));
  return {LinkRead::Status::kData, n};
}

bool ChaosLink::write(std::span<const uint8_t> data, milliseconds timeout) {
  if (cut_) return false;
  const auto deadline = Clock::now() + timeout;
  milliseconds delay{0};
  const std::vector<uint8_t> damaged = damage(to_device_, data, delay);
  pause(delay, timeout);
  if (!damaged.empty() && !inner_->write(damaged, std::max(milliseconds(1), time_left(deadline)))) return false;
  return !cut_;
}

struct ChaosSource::Totals {
  std::mutex mutex;
  ChaosCounts counts;
};

ChaosSource::ChaosSource(uint64_t seed, ChaosRates rates)
    : seed_(seed), rates_(rates), totals_(std::make_shared<Totals>()) {}

std::unique_ptr<Link> ChaosSource::wrap(std::unique_ptr<Link> inner) {
  uint64_t s = seed_ + made_++;
  auto link = std::make_unique<ChaosLink>(std::move(inner), next(s), rates_);
  link->on_destroy([totals = totals_](const ChaosCounts& c) {
    std::lock_guard lock(totals->mutex);
    totals->counts += c;
  });
  return link;
}

ChaosCounts ChaosSource::totals() const {
  std::lock_guard lock(totals_->mutex);
  return totals_->counts;
}

}  // namespace shakedown::links

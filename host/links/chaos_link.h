#pragma once
// ChaosLink: damages another Link's traffic the way a bad line or a flaky
// relay would, so a run can show that faults on the device link end as
// infrastructure errors, never as wrong verdicts (`shakedown run --chaos
// SEED`). It drops, corrupts, repeats, delays and cuts bytes, in both
// directions.
//
// Each byte passing, in either direction, draws once against ChaosRates:
//   drop       the byte is lost;
//   corrupt    the byte is XORed with a random non-zero value;
//   duplicate  the byte passes, then the last 1..max_replay bytes that
//              passed that way pass again, as from a relay resending a
//              buffer: a whole earlier frame may arrive twice;
//   delay      the byte passes, and the call returns only after a pause of
//              1..max_delay (never past its own timeout);
//   cut        the link hangs up at that byte: the bytes before it pass, then
//              every read is closed and every write fails, as when a device
//              goes away (the inner link stays open until the ChaosLink goes).
//
// Deterministic: the same seed and the same calls (sizes, and what the inner
// link returns) give the same faults. Each direction draws from its own
// stream, so what is read does not shift the faults of what is written.
// Not thread-safe, as no Link is; ChaosSource is.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "link.h"

namespace shakedown::links {

// Chances per byte, in each direction. A cell of the scenario suite moves
// about 25 KB over its link at Mbed TLS debug level 3 (0.1 to 60 KB), nearly
// all of it log frames from the device, so at the defaults a cell meets one
// or two faults on average and about one in 12 a cut (whole-suite runs:
// docs/bench.md). Most faults land on log frames, which costs the device log
// a line but not the verdict; the rest (requests, replies, peer
// certificates, the report, cuts) end about one first attempt in ten as an
// infrastructure error of the link, so most cells complete at once and the
// rest after a retry.
struct ChaosRates {
  double drop = 1e-5;
  double corrupt = 1e-5;
  double duplicate = 1e-5;
  double delay = 1e-5;
  double cut = 2e-6;
  size_t max_replay = 2048;  // bytes, about two of the largest frames
  std::chrono::milliseconds max_delay{20};
};

// Faults a link has injected, both directions together.
struct ChaosCounts {
  uint64_t dropped = 0, corrupted = 0, duplicated = 0, delayed = 0, cuts = 0;
  ChaosCounts& operator+=(const ChaosCounts& other);
};

class ChaosLink final : public Link {
 public:
  // How a delay is waited out; a unit test passes one that only records.
  using Sleep = std::function<void(std::chrono::milliseconds)>;

  ChaosLink(std::unique_ptr<Link> inner, uint64_t seed, ChaosRates rates = {}, Sleep sleep = {});
  ~ChaosLink() override;

  // Reads from the inner link and damages what came; bytes a duplicate adds
  // beyond out.size() wait for the next read. Closed after a cut, once the
  // bytes before it are handed out.
  LinkRead read(std::span<uint8_t> out, std::chrono::milliseconds timeout) override;
  // Damages `data` and writes what is left; false after a cut (the bytes
  // before the cut are written first) or when the inner write fails.
  bool write(std::span<const uint8_t> data, std::chrono::milliseconds timeout) override;
  std::string describe() const override;

  const ChaosCounts& counts() const { return counts_; }
  // Called with the link's counts when it is destroyed (ChaosSource's totals).
  void on_destroy(std::function<void(const ChaosCounts&)> report) { on_destroy_ = std::move(report); }

 private:
  // One direction's random stream and the bytes that last passed that way.
  struct Direction {
    uint64_t state = 0;
    std::deque<uint8_t> passed;
  };
  // `bytes` as they leave the link that way; sets `cut_` and `delay` as drawn.
  std::vector<uint8_t> damage(Direction& way, std::span<const uint8_t> bytes, std::chrono::milliseconds& delay);
  void pass(Direction& way, std::vector<uint8_t>& out, uint8_t byte) const;
  void pause(std::chrono::milliseconds delay, std::chrono::milliseconds timeout);

  std::unique_ptr<Link> inner_;
  uint64_t seed_;
  ChaosRates rates_;
  Sleep sleep_;
  Direction to_device_, from_device_;
  std::vector<uint8_t> unread_;  // damaged bytes from the device not yet handed out
  bool cut_ = false;
  ChaosCounts counts_;
  std::function<void(const ChaosCounts&)> on_destroy_;
};

// Wraps a run's links, giving each its own seed derived from the run's, in
// the order they are made (with several cells at once that order, and so
// which link gets which seed, depends on timing). Thread-safe.
class ChaosSource {
 public:
  explicit ChaosSource(uint64_t seed, ChaosRates rates = {});
  uint64_t seed() const { return seed_; }
  std::unique_ptr<Link> wrap(std::unique_ptr<Link> inner);
  // The counts of every link it made that has been destroyed, and how many it made.
  ChaosCounts totals() const;
  uint64_t links() const { return made_; }

 private:
  uint64_t seed_;
  ChaosRates rates_;
  std::atomic<uint64_t> made_{0};
  struct Totals;
  std::shared_ptr<Totals> totals_;
};

}  // namespace shakedown::links

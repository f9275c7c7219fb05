// ChaosLink over a TEST FAKE link that holds bytes in memory: each fault
// happens, in each direction, and a seed gives the same faults again.

#include "chaos_link.h"

#include <catch2/catch.hpp>
#include <deque>
#include <map>

#include "shakedown/protocol/frame.h"

namespace {

using namespace shakedown;
using namespace std::chrono_literals;
using links::ChaosLink;
using links::ChaosRates;
using links::LinkRead;

// TEST FAKE of a Link: reads hand out `incoming` (then time out, or report
// closed), writes land in `written`.
struct FakeLinkState {
  std::deque<uint8_t> incoming;
  std::vector<uint8_t> written;
  bool closed = false;
};

class FakeLink final : public links::Link {
 public:
  explicit FakeLink(FakeLinkState& state) : state_(state) {}
  LinkRead read(std::span<uint8_t> out, std::chrono::milliseconds) override {
    if (state_.incoming.empty()) return {state_.closed ? LinkRead::Status::kClosed : LinkRead::Status::kTimedOut, 0};
    const size_t n = std::min(out.size(), state_.incoming.size());
    std::copy_n(state_.incoming.begin(), n, out.begin());
    state_.incoming.erase(state_.incoming.begin(), state_.incoming.begin() + static_cast<long>(n));
    return {LinkRead::Status::kData, n};
  }
  bool write(std::span<const uint8_t> data, std::chrono::milliseconds) override {
    state_.written.insert(state_.written.end(), data.begin(), data.end());
    return true;
  }
  std::string describe() const override { return "fake"; }

 private:
  FakeLinkState& state_;
};

std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 7 + 1);
  return v;
}

struct Rig {
  FakeLinkState state;
  std::vector<std::chrono::milliseconds> sleeps;
  ChaosLink link;
  Rig(uint64_t seed, ChaosRates rates)
      : link(std::make_unique<FakeLink>(state), seed, rates,
             [this](std::chrono::milliseconds d) { sleeps.push_back(d); }) {}

  // Writes `data` in chunks of 100 bytes; false once a write fails.
  bool write_all(const std::vector<uint8_t>& data) {
    for (size_t i = 0; i < data.size(); i += 100) {
      if (!link.write(std::span(data).subspan(i, std::min<size_t>(100, data.size() - i)), 1s)) return false;
    }
    return true;
  }
  // Reads until the fake has nothing more; returns what came out.
  std::vector<uint8_t> read_all(LinkRead::Status* last = nullptr) {
    std::vector<uint8_t> got;
    std::array<uint8_t, 64> buf{};
    for (;;) {
      LinkRead r = link.read(buf, 50ms);
      if (last != nullptr) *last = r.status;
      if (r.status != LinkRead::Status::kData) return got;
      got.insert(got.end(), buf.begin(), buf.begin() + static_cast<long>(r.bytes));
    }
  }
};

ChaosRates none() {
  return {.drop = 0, .corrupt = 0, .duplicate = 0, .delay = 0, .cut = 0};
}

}  // namespace

TEST_CASE("with every rate at zero, bytes pass both ways unchanged") {
  Rig rig(1, none());
  const auto data = pattern(5000);
  REQUIRE(rig.write_all(data));
  CHECK(rig.state.written == data);
  rig.state.incoming.assign(data.begin(), data.end());
  CHECK(rig.read_all() == data);
  CHECK(rig.sleeps.empty());
}

TEST_CASE("dropped bytes are missing and counted, in each direction") {
  ChaosRates rates = none();
  rates.drop = 0.01;
  Rig rig(2, rates);
  const auto data = pattern(10'000);
  REQUIRE(rig.write_all(data));
  const size_t written = rig.state.written.size();
  CHECK(written < data.size());
  rig.state.incoming.assign(data.begin(), data.end());
  const size_t read = rig.read_all().size();
  CHECK(read < data.size());
  CHECK(rig.link.counts().dropped == (data.size() - written) + (data.size() - read));
}

TEST_CASE("corrupted bytes keep their place and change their value") {
  ChaosRates rates = none();
  rates.corrupt = 0.01;
  Rig rig(3, rates);
  const auto data = pattern(10'000);
  REQUIRE(rig.write_all(data));
  REQUIRE(rig.state.written.size() == data.size());
  size_t differing = 0;
  for (size_t i = 0; i < data.size(); ++i) differing += rig.state.written[i] != data[i];
  CHECK(differing > 0);
  CHECK(rig.link.counts().corrupted == differing);
}

TEST_CASE("a duplicate delivers a run of earlier bytes again, whole frames included") {
  ChaosRates rates = none();
  rates.duplicate = 0.002;
  rates.max_replay = 400;
  Rig rig(4, rates);
  // 200 frames of 40-byte payloads, from the device.
  std::vector<uint8_t> stream;
  for (uint16_t seq = 1; seq <= 200; ++seq) {
    std::array<uint8_t, protocol::kMaxEncodedFrame> frame{};
    const std::vector<uint8_t> payload(40, static_cast<uint8_t>(seq));
    const size_t n = protocol::encode_frame(0x84, seq, payload, frame);
    stream.insert(stream.end(), frame.begin(), frame.begin() + static_cast<long>(n));
  }
  rig.state.incoming.assign(stream.begin(), stream.end());
  const auto got = rig.read_all();
  CHECK(got.size() > stream.size());
  CHECK(rig.link.counts().duplicated > 0);
  protocol::FrameDecoder decoder;
  std::map<uint16_t, int> seen;
  for (uint8_t b : got) {
    if (decoder.feed(b)) ++seen[decoder.frame().seq];
  }
  CHECK(std::any_of(seen.begin(), seen.end(), [](const auto& s) { return s.second > 1; }));
}

TEST_CASE("a delay pauses the call, within max_delay and the call's timeout, and changes no byte") {
  ChaosRates rates = none();
  rates.delay = 0.01;
  rates.max_delay = 30ms;
  Rig rig(5, rates);
  const auto data = pattern(10'000);
  REQUIRE(rig.write_all(data));
  CHECK(rig.state.written == data);
  REQUIRE_FALSE(rig.sleeps.empty());
  for (auto d : rig.sleeps) {
    CHECK(d > 0ms);
    CHECK(d <= 30ms);
  }
  CHECK(rig.link.counts().delayed >= rig.sleeps.size());
}

TEST_CASE("a cut hangs the link up: what came before it passes, then writes fail and reads are closed") {
  ChaosRates rates = none();
  rates.cut = 0.001;
  Rig rig(6, rates);
  const auto data = pattern(20'000);
  CHECK_FALSE(rig.write_all(data));
  CHECK(rig.link.counts().cuts == 1);
  const auto& written = rig.state.written;
  REQUIRE(written.size() < data.size());
  CHECK(std::equal(written.begin(), written.end(), data.begin()));
  CHECK_FALSE(rig.link.write(data, 1s));
  rig.state.incoming.assign(data.begin(), data.end());
  LinkRead::Status last{};
  CHECK(rig.read_all(&last).empty());
  CHECK(last == LinkRead::Status::kClosed);
}

TEST_CASE("a cut while reading hands out the bytes before it, then reports closed") {
  ChaosRates rates = none();
  rates.cut = 0.001;
  Rig rig(7, rates);
  const auto data = pattern(20'000);
  rig.state.incoming.assign(data.begin(), data.end());
  LinkRead::Status last{};
  const auto got = rig.read_all(&last);
  CHECK(last == LinkRead::Status::kClosed);
  CHECK(rig.link.counts().cuts == 1);
  REQUIRE(got.size() < data.size());
  CHECK(std::equal(got.begin(), got.end(), data.begin()));
}

TEST_CASE("the same seed and calls give the same faults, and another seed others") {
  const ChaosRates rates{.drop = 0.002, .corrupt = 0.002, .duplicate = 0.001, .delay = 0.002, .cut = 0};
  const auto data = pattern(20'000);
  auto run = [&](uint64_t seed) {
    Rig rig(seed, rates);
    rig.write_all(data);
    rig.state.incoming.assign(data.begin(), data.end());
    auto read = rig.read_all();
    return std::make_tuple(rig.state.written, read, rig.sleeps);
  };
  const auto first = run(42);
  CHECK(first == run(42));
  CHECK(first != run(43));
  CHECK(std::get<0>(first) != data);
  CHECK(std::get<1>(first) != data);
}

TEST_CASE("a chaos source gives each link its own seed and sums their faults once they are gone") {
  ChaosRates rates = none();
  rates.drop = 0.01;
  links::ChaosSource source(9, rates);
  FakeLinkState a, b;
  const auto data = pattern(10'000);
  {
    auto one = source.wrap(std::make_unique<FakeLink>(a));
    auto two = source.wrap(std::make_unique<FakeLink>(b));
    CHECK(one->describe() != two->describe());
    one->write(data, 1s);
    two->write(data, 1s);
    CHECK(source.totals().dropped == 0);  // counted as each link goes
  }
  CHECK(a.written != b.written);
  CHECK(source.links() == 2);
  CHECK(source.totals().dropped == 2 * data.size() - a.written.size() - b.written.size());
}

#include "matrix.h"

#include <fmt/format.h>

#include <catch2/catch.hpp>

namespace {

using namespace shakedown;

scenario::Scenario scenario_with(const char* name, std::vector<std::pair<const char*, const char*>> cells) {
  scenario::Scenario s;
  s.name = name;
  for (auto [line, profile] : cells) s.cells.push_back({line, profile, {}});
  return s;
}

std::vector<std::string> ids(const std::vector<runner::PlannedCell>& cells) {
  std::vector<std::string> out;
  for (const auto& c : cells) out.push_back(c.id);
  return out;
}

// A test fake of a target with no builds at all: every cell is an
// infrastructure error at once, which is enough to drive the scheduler.
class FakeTargetWithoutBuilds final : public targets::Target {
 public:
  std::string name() const override { return "fake"; }
  std::optional<std::string> unavailable(const std::string& line, const std::string& profile) const override {
    return "no build " + line + " " + profile;
  }
  targets::HandshakeOutcome handshake(const targets::HandshakeRequest&) override { return {}; }
};

const std::vector<scenario::Scenario> kSuite = {
    scenario_with("field/01-suite-mismatch", {{"3.6", "field-2x"}, {"3.6", "field-fixed"}, {"2.28", "field-2x"}}),
    scenario_with("versions/01-tls13-only", {{"3.6", "default-16k"}, {"2.28", "default-16k"}}),
};

}  // namespace

TEST_CASE("the plan lists every cell as scenario/line/profile, narrowed by --mbedtls and --filter") {
  CHECK(ids(runner::plan(kSuite, {})) ==
        std::vector<std::string>{"field/01-suite-mismatch/3.6/field-2x", "field/01-suite-mismatch/3.6/field-fixed",
                                 "field/01-suite-mismatch/2.28/field-2x", "versions/01-tls13-only/3.6/default-16k",
                                 "versions/01-tls13-only/2.28/default-16k"});
  CHECK(ids(runner::plan(kSuite, {.mbedtls_lines = {"2.28"}})) ==
        std::vector<std::string>{"field/01-suite-mismatch/2.28/field-2x", "versions/01-tls13-only/2.28/default-16k"});
  // Plain text matches anywhere; a glob must match the whole id.
  CHECK(runner::plan(kSuite, {.filters = {"field-fixed"}}).size() == 1);
  CHECK(runner::plan(kSuite, {.filters = {"versions/*"}}).size() == 2);
  CHECK(runner::plan(kSuite, {.filters = {"*/2.28/*"}}).size() == 2);
  CHECK(runner::plan(kSuite, {.filters = {"2.28"}}).size() == 2);
  CHECK(runner::plan(kSuite, {.filters = {"field-fixed", "versions/*"}}).size() == 3);
  CHECK(runner::plan(kSuite, {.filters = {"field-2"}}).size() == 2);  // not a glob: text
  CHECK(runner::plan(kSuite, {.filters = {"field-2*"}}).empty());     // a glob: the whole id
}

TEST_CASE("shards split the plan into disjoint shares that together cover it") {
  const auto all = ids(runner::plan(kSuite, {}));
  std::vector<std::string> union_of_shards;
  for (unsigned k = 1; k <= 3; ++k) {
    auto share = ids(runner::plan(kSuite, {.shard = runner::Shard{k, 3}}));
    CHECK(share.size() <= 2);
    CHECK(share.size() == runner::Shard{k, 3}.share_of(all.size()));  // what a merge expects of it
    CHECK(share == ids(runner::take_shard(runner::plan(kSuite, {}), runner::Shard{k, 3})));
    CHECK(runner::Shard{k, 3}.text() == fmt::format("{}/3", k));
    union_of_shards.insert(union_of_shards.end(), share.begin(), share.end());
  }
  std::sort(union_of_shards.begin(), union_of_shards.end());
  auto sorted = all;
  std::sort(sorted.begin(), sorted.end());
  CHECK(union_of_shards == sorted);
}

TEST_CASE("a shard is K/N with 1 <= K <= N and nothing else") {
  CHECK(runner::Shard::parse("2/4")->index == 2);
  CHECK(runner::Shard::parse("4/4")->count == 4);
  for (const char* bad : {"0/4", "5/4", "1/0", "2", "2/", "/4", "a/b", "1/4x", "-1/4", " 1/4"}) {
    INFO(bad);
    CHECK_FALSE(runner::Shard::parse(bad));
  }
}

TEST_CASE("cells run on several threads come back in plan order, each reported once") {
  FakeTargetWithoutBuilds target;
  runner::Runner r({.pki_cache = SHAKEDOWN_TEST_PKI_CACHE}, target);
  const auto cells = runner::plan(kSuite, {});
  std::vector<size_t> done;
  auto results = runner::run_matrix(r, cells, 3, {}, [&](const runner::Progress& p) {
    CHECK(p.total == cells.size());
    done.push_back(p.done);
  });
  REQUIRE(results.size() == cells.size());
  for (size_t i = 0; i < cells.size(); ++i) {
    CHECK(results[i].scenario == cells[i].scenario->name);
    CHECK(results[i].cell.profile == cells[i].cell.profile);
    CHECK(results[i].cell.mbedtls_line == cells[i].cell.mbedtls_line);
    CHECK(results[i].verdict == runner::Verdict::kInfrastructureError);
    CHECK(results[i].target == "fake");
  }
  CHECK(done == std::vector<size_t>{1, 2, 3, 4, 5});
}

TEST_CASE("a stopped run starts no further cell") {
  FakeTargetWithoutBuilds target;
  runner::Runner r({.pki_cache = SHAKEDOWN_TEST_PKI_CACHE}, target);
  std::stop_source stop;
  auto results = runner::run_matrix(r, runner::plan(kSuite, {}), 1, stop.get_token(), [&](const runner::Progress& p) {
    if (p.done == 2) stop.request_stop();
  });
  CHECK(results.size() == 2);
}

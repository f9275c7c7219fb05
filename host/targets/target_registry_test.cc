// The registry `--target` reads: every row makes its target, and refuses
// settings it cannot use with a usage error naming the flag.

#include "target_registry.h"

#include <catch2/catch.hpp>
#include <set>

using namespace shakedown::targets;
using Catch::Matchers::Contains;

TEST_CASE("every registered target has a unique name, a description, and makes a target of that name") {
  std::set<std::string_view> names;
  for (const auto& row : target_rows()) {
    INFO(row.name);
    CHECK(names.insert(row.name).second);
    CHECK_FALSE(row.description.empty());
    if (row.name == "board") continue;  // needs a bench file: below
    const std::string spelled = row.parameter.empty() ? std::string(row.name) : std::string(row.name) + ":4000";
    std::string parameter;
    CHECK(find_target(spelled, &parameter) == &row);
    const auto target = row.make({.parameter = parameter});
    REQUIRE(target);
    CHECK(target->name() == row.name);
  }
  CHECK(target_names() == "sim, qemu, board or attached:PORT");
  CHECK(find_target("no-such-target") == nullptr);
}

TEST_CASE("a target's parameter is given exactly when its row takes one") {
  std::string parameter;
  REQUIRE(find_target("attached:41234", &parameter) != nullptr);
  CHECK(parameter == "41234");
  CHECK(find_target("attached") == nullptr);
  CHECK(find_target("sim:41234") == nullptr);
  CHECK_THROWS_WITH(find_target("attached:x")->make({.parameter = "x"}), Contains("'x' is not a port"));
  CHECK_THROWS_AS(find_target("attached:0")->make({.parameter = "0"}), TargetUsageError);
}

TEST_CASE("a target refuses settings it cannot use, naming the flag") {
  CHECK_THROWS_WITH(find_target("sim")->make({.traffic_dir = "/tmp/traffic"}), Contains("--record-traffic"));
  CHECK_THROWS_WITH(find_target("board")->make({}), Contains("--target board needs --bench FILE"));
  CHECK_THROWS_AS(find_target("board")->make({.bench_file = "/nonexistent/bench.yaml"}), TargetUsageError);
  const auto chaos = std::make_shared<shakedown::links::ChaosSource>(1);
  CHECK_THROWS_WITH(
      find_target("board")->make(
          {.bench_file = std::string(SHAKEDOWN_TEST_DATA_DIR) + "/bench/two-boards.yaml", .chaos = chaos}),
      Contains("--chaos"));
  CHECK_THROWS_WITH(find_target("attached:4000")->make({.parameter = "4000", .chaos = chaos}), Contains("--chaos"));
  CHECK(find_target("sim")->make({.chaos = chaos}));
  CHECK(find_target("qemu")->make({.chaos = chaos}));
}

TEST_CASE("a bench of two boards runs two cells at once, an on-demand target any number") {
  const auto board =
      find_target("board")->make({.bench_file = std::string(SHAKEDOWN_TEST_DATA_DIR) + "/bench/two-boards.yaml"});
  CHECK(board->max_parallel() == 2);
  CHECK(find_target("sim")->make({})->max_parallel() > 256);
}

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
    const auto target = row.make({});
    REQUIRE(target);
    CHECK(target->name() == row.name);
    CHECK(find_target(row.name) == &row);
  }
  CHECK(target_names() == "sim, qemu or board");
  CHECK(find_target("no-such-target") == nullptr);
}

TEST_CASE("a target refuses settings it cannot use, naming the flag") {
  CHECK_THROWS_WITH(find_target("sim")->make({.traffic_dir = "/tmp/traffic"}), Contains("--record-traffic"));
  CHECK_THROWS_WITH(find_target("board")->make({}), Contains("--target board needs --bench FILE"));
  CHECK_THROWS_AS(find_target("board")->make({.bench_file = "/nonexistent/bench.yaml"}), TargetUsageError);
}

TEST_CASE("a bench of two boards runs two cells at once, an on-demand target any number") {
  const auto board =
      find_target("board")->make({.bench_file = std::string(SHAKEDOWN_TEST_DATA_DIR) + "/bench/two-boards.yaml"});
  CHECK(board->max_parallel() == 2);
  CHECK(find_target("sim")->make({})->max_parallel() > 256);
}

#include "merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>

namespace {

using namespace shakedown;
using Catch::Matchers::Contains;
using nlohmann::json;

// A plan of six cells, in plan order (not sorted: the merge must keep it).
const std::vector<std::string> kPlan = {"versions/01/3.6/default-16k", "field/02/2.28/field-2x",
                                        "field/01/2.28/field-2x",      "field/01/2.28/field-fixed",
                                        "field/02/2.28/field-fixed",   "versions/01/2.28/default-16k"};

json cell_of(const std::string& id, const char* verdict = "as-expected") {
  const size_t profile_at = id.rfind('/');
  const size_t line_at = id.rfind('/', profile_at - 1);
  const std::string line = id.substr(line_at + 1, profile_at - line_at - 1);
  const std::string profile = id.substr(profile_at + 1);
  return {{"scenario", id.substr(0, line_at)},
          {"target", "sim"},
          {"mbedtls_line", line},
          {"profile", profile},
          {"config_hash", "hash-" + line + "-" + profile},
          {"verdict", verdict},
          {"result", "pass"},
          {"finding", nullptr}};
}

struct ShardSpec {
  unsigned k = 1, n = 3;
  bool ids = true;
  bool interrupted = false;
  int exit_status = 0;
  std::string build = "0.9.0+abc";
  std::vector<std::string> plan = kPlan;
  size_t keep = 99;  // at most this many of its cells (an interrupted shard's first ones)
};

// Shard k of n of the plan, as `shakedown run --shard k/n` writes it.
runner::ShardFile shard(const ShardSpec& spec, std::string name = "") {
  json results = json::array();
  for (size_t i = spec.k - 1; i < spec.plan.size() && results.size() < spec.keep; i += spec.n) {
    results.push_back(cell_of(spec.plan[i], i == 2 ? "unexpected" : "as-expected"));
  }
  json plan = {{"cells", spec.plan.size()}, {"hash", runner::plan_hash(spec.plan)}};
  if (spec.ids) plan["ids"] = spec.plan;
  json summary = {{"cells", results.size()},
                  {"interrupted", spec.interrupted},
                  {"started", fmt::format("2025-01-31T12:00:0{}Z", 9 - spec.k)},
                  {"seconds", 10.0 + spec.k},
                  {"exit_status", spec.exit_status},
                  {"shakedown", spec.build},
                  {"shard", fmt::format("{}/{}", spec.k, spec.n)},
                  {"plan", plan}};
  if (name.empty()) name = fmt::format("shard-{}.json", spec.k);
  return {name, {{"results", results}, {"summary", summary}}};
}

std::vector<std::string> ids_of(const std::vector<json>& cells) {
  std::vector<std::string> out;
  for (const auto& c : cells) {
    out.push_back(c["scenario"].get<std::string>() + "/" + c["mbedtls_line"].get<std::string>() + "/" +
                  c["profile"].get<std::string>());
  }
  return out;
}

std::string refusal(const std::vector<runner::ShardFile>& files, bool allow_missing = false) {
  const auto merged = runner::merge_shards(files, allow_missing);
  REQUIRE_FALSE(merged);
  CHECK(merged.error().kind == ErrorKind::kUsage);
  CHECK(merged.error().message.find('\n') == std::string::npos);  // one line
  return merged.error().message;
}

}  // namespace

TEST_CASE("the plan's hash is of its ids as a set, stable, and 16 hex digits") {
  auto shuffled = kPlan;
  std::reverse(shuffled.begin(), shuffled.end());
  CHECK(runner::plan_hash(kPlan) == runner::plan_hash(shuffled));
  CHECK(runner::plan_hash(kPlan).size() == 16);
  CHECK(runner::plan_hash({}) == "e3b0c44298fc1c14");  // SHA-256 of nothing: the same on every machine
  CHECK(runner::plan_hash({"a"}) != runner::plan_hash({"b"}));
}

TEST_CASE("every shard merged gives the whole plan in its order, with the run's facts") {
  // Given in any order.
  const auto merged = runner::merge_shards({shard({.k = 3}), shard({.k = 1}), shard({.k = 2})}, false);
  REQUIRE(merged);
  CHECK(merged->in_plan_order);
  CHECK(ids_of(merged->cells) == kPlan);
  CHECK(merged->missing == 0);
  CHECK(merged->not_run.empty());
  CHECK_FALSE(merged->trouble);
  const auto& facts = merged->facts;
  CHECK(facts.started == "2025-01-31T12:00:06Z");  // the earliest shard's: shard 3's
  CHECK(facts.seconds == 13.0);                    // the longest shard's
  CHECK(facts.merged_from == std::vector<std::string>{"shard-3.json", "shard-1.json", "shard-2.json"});
  CHECK(facts.build == "0.9.0+abc");

  const json doc = runner::results_document(merged->cells, facts);
  const json& summary = doc["summary"];
  CHECK(summary["cells"] == 6);
  CHECK(summary["as_expected"] == 5);
  CHECK(summary["unexpected"] == 1);
  CHECK(summary["infrastructure_errors"] == 0);
  CHECK(summary["missing"] == 0);
  CHECK(summary["plan"] == json{{"cells", 6}, {"hash", runner::plan_hash(kPlan)}});  // no ids: not a shard
  CHECK_FALSE(summary.contains("shard"));
  CHECK(summary["merged_from"].size() == 3);
}

TEST_CASE("shards that do not list the plan's ids merge sorted by cell id") {
  const auto merged = runner::merge_shards(
      {shard({.k = 1, .ids = false}), shard({.k = 2, .ids = false}), shard({.k = 3, .ids = false})}, false);
  REQUIRE(merged);
  CHECK_FALSE(merged->in_plan_order);
  auto sorted = kPlan;
  std::sort(sorted.begin(), sorted.end());
  CHECK(ids_of(merged->cells) == sorted);
}

TEST_CASE("a shard twice, or a cell in two files, is refused") {
  CHECK_THAT(refusal({shard({.k = 1}), shard({.k = 2}), shard({.k = 1}, "again.json")}),
             Contains("shard-1.json and again.json: summary.shard: both are shard 1/3 (the same shard twice)"));
  // A cell in two shards' files (one of them edited, or not this plan's split).
  auto one = shard({.k = 1, .ids = false});
  auto two = shard({.k = 2, .ids = false});
  two.document["results"].push_back(cell_of(kPlan[0]));
  CHECK_THAT(refusal({one, two, shard({.k = 3, .ids = false})}),
             Contains("shard-1.json and shard-2.json: results[]: cell versions/01/3.6/default-16k is in both"));
  auto twice = shard({.k = 1});
  twice.document["results"].push_back(cell_of(kPlan[0]));
  CHECK_THAT(refusal({twice}), Contains("shard-1.json: results[]: cell versions/01/3.6/default-16k twice"));
  // With the plan's ids, a cell must be its shard's.
  auto stray = shard({.k = 2});
  stray.document["results"].push_back(cell_of(kPlan[2]));
  CHECK_THAT(refusal({shard({.k = 1}), stray}), Contains("cell field/01/2.28/field-2x is not shard 2/3's"));
}

TEST_CASE("shards of different plans, builds, targets or splits are refused, naming the files and the field") {
  auto field_only = std::vector<std::string>(kPlan.begin() + 1, kPlan.end() - 1);
  CHECK_THAT(refusal({shard({.k = 1}), shard({.k = 2, .plan = field_only}, "field.json")}),
             Contains("shard-1.json and field.json: summary.plan: shards of different plans (6 cells"));
  CHECK_THAT(refusal({shard({.k = 1}), shard({.k = 2, .build = "0.9.0+def"})}),
             Contains("shard-1.json and shard-2.json: summary.shakedown: shards of different builds (0.9.0+abc, "
                      "0.9.0+def)"));
  auto other_config = shard({.k = 2});
  other_config.document["results"][1]["config_hash"] = "edited";  // field/02/2.28/field-fixed; shard 1 has field/01's
  CHECK_THAT(refusal({shard({.k = 1}), other_config}),
             Contains("shard-1.json and shard-2.json: results[].config_hash of sim/2.28/field-fixed: different builds "
                      "(hash-2.28-field-fixed, edited)"));
  auto on_qemu = shard({.k = 2});
  for (auto& c : on_qemu.document["results"]) c["target"] = "qemu";
  CHECK_THAT(refusal({shard({.k = 1}), on_qemu}),
             Contains("shard-1.json and shard-2.json: results[].target: shards of different targets (sim, qemu)"));
  CHECK_THAT(refusal({shard({.k = 1}), shard({.k = 2, .n = 2})}),
             Contains("summary.shard: 1/3 and 2/2 are not shares of one split (N differs)"));
  auto whole = shard({.k = 1});
  whole.document["summary"].erase("shard");
  CHECK_THAT(refusal({whole}), Contains("shard-1.json: summary.shard: absent: not a shard"));
  auto old = shard({.k = 1});
  old.document["summary"].erase("plan");
  CHECK_THAT(refusal({old}), Contains("shard-1.json: summary.plan: absent"));
  auto edited = shard({.k = 1});
  edited.document["summary"]["plan"]["ids"][0] = "other/01/3.6/default-16k";
  CHECK_THAT(refusal({edited}), Contains("summary.plan.ids: do not match"));
}

TEST_CASE("missing shards are refused, or with --allow-missing counted, skipped and trouble") {
  CHECK_THAT(refusal({shard({.k = 1}), shard({.k = 3})}),
             Contains("summary.plan: 2 of 6 planned cells are missing (shard 2/3 not given; given: shard-1.json, "
                      "shard-3.json); --allow-missing merges what there is"));
  const auto merged = runner::merge_shards({shard({.k = 1}), shard({.k = 3})}, true);
  REQUIRE(merged);
  CHECK(merged->missing == 2);
  REQUIRE(merged->absent.size() == 1);
  CHECK(merged->absent[0].text() == "2/3");
  CHECK(merged->trouble);
  CHECK(ids_of(merged->cells) == std::vector<std::string>{kPlan[0], kPlan[2], kPlan[3], kPlan[5]});
  REQUIRE(merged->not_run.size() == 2);
  CHECK(merged->not_run[0].scenario == "field/02");
  CHECK(merged->not_run[0].mbedtls_line == "2.28");
  CHECK(merged->not_run[0].profile == "field-2x");
  CHECK(merged->not_run[0].target == "sim");
  CHECK_THAT(merged->not_run[0].why, Contains("its shard was not merged"));
  CHECK(runner::results_document(merged->cells, merged->facts)["summary"]["missing"] == 2);
  // Without the plan's ids, counted all the same.
  const auto counted = runner::merge_shards({shard({.k = 1, .ids = false}), shard({.k = 3, .ids = false})}, true);
  REQUIRE(counted);
  CHECK(counted->missing == 2);
  CHECK_THAT(refusal({shard({.k = 1, .ids = false}), shard({.k = 2, .ids = false})}),
             Contains("2 of 6 planned cells are missing (shard 3/3 not given"));
  // A shard that finished without all its cells.
  CHECK_THAT(refusal({shard({.k = 1}), shard({.k = 2, .keep = 1}), shard({.k = 3})}),
             Contains("1 of 6 planned cells are missing (a shard lacks cells it planned"));
}

TEST_CASE("an interrupted shard's cells not run are not missing, but the merged run is interrupted") {
  const auto merged =
      runner::merge_shards({shard({.k = 1}), shard({.k = 2, .interrupted = true, .keep = 1}), shard({.k = 3})}, false);
  REQUIRE(merged);
  CHECK(merged->missing == 0);
  CHECK(merged->trouble);
  CHECK(merged->facts.interrupted);
  REQUIRE(merged->not_run.size() == 1);
  CHECK(merged->not_run[0].why.empty());  // JUnit's "interrupted" message
  CHECK(merged->cells.size() == 5);
  // A shard that exited 2 (its target's trouble at shut-down) makes the whole exit 2 too.
  const auto troubled =
      runner::merge_shards({shard({.k = 1}), shard({.k = 2, .exit_status = 2}), shard({.k = 3})}, false);
  REQUIRE(troubled);
  CHECK(troubled->trouble);
  CHECK_FALSE(troubled->facts.interrupted);
}

#include "merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "shakedown/errors/exit_codes.h"

namespace shakedown::runner {
namespace {

using nlohmann::json;

// One shard file as its summary describes it.
struct ShardShare {
  const ShardFile* file = nullptr;
  Shard shard;
  size_t plan_cells = 0;
  std::string plan_hash;
  std::vector<std::string> plan_ids;  // empty: not written
  std::string build;                  // "shakedown"
  bool interrupted = false;
  std::optional<int> exit_status;
};

std::string merged_cell_id(const json& cell) {
  return cell_id(string_field(cell, "scenario"), string_field(cell, "mbedtls_line"), string_field(cell, "profile"));
}

// A cell id back as a cell not run: the scenario name may hold slashes, the
// line and the profile do not.
CellNotRun not_run_cell(const std::string& target, const std::string& id, std::string why) {
  const size_t profile_at = id.rfind('/');
  const size_t line_at =
      profile_at == std::string::npos || profile_at == 0 ? std::string::npos : id.rfind('/', profile_at - 1);
  if (line_at == std::string::npos) return {target, id, "", "", std::move(why)};
  return {target, id.substr(0, line_at), id.substr(line_at + 1, profile_at - line_at - 1), id.substr(profile_at + 1),
          std::move(why)};
}

Result<ShardShare> read_share(const ShardFile& file) {
  ShardShare share{.file = &file};
  const json summary = file.document.value("summary", json::object());
  if (!summary.is_object()) return usage_error(fmt::format("{}: summary: not an object", file.name));
  const auto shard_text = summary.find("shard");
  if (shard_text == summary.end() || shard_text->is_null()) {
    return usage_error(
        fmt::format("{}: summary.shard: absent: not a shard (`shakedown run --shard K/N` writes one)", file.name));
  }
  const auto shard = shard_text->is_string() ? Shard::parse(shard_text->get<std::string>()) : std::nullopt;
  if (!shard) return usage_error(fmt::format("{}: summary.shard: {} is not K/N", file.name, shard_text->dump()));
  share.shard = *shard;
  const json plan = summary.value("plan", json());
  if (!plan.is_object() || !plan.value("cells", json()).is_number_unsigned() || string_field(plan, "hash").empty()) {
    return usage_error(fmt::format(
        "{}: summary.plan: absent or without \"cells\" and \"hash\" (written by a shakedown before `merge`?)",
        file.name));
  }
  share.plan_cells = plan["cells"].get<size_t>();
  share.plan_hash = string_field(plan, "hash");
  if (const auto ids = plan.find("ids"); ids != plan.end()) {
    if (ids->is_array()) {
      for (const auto& id : *ids) share.plan_ids.push_back(id.is_string() ? id.get<std::string>() : id.dump());
    }
    if (share.plan_ids.size() != share.plan_cells || plan_hash(share.plan_ids) != share.plan_hash) {
      return usage_error(
          fmt::format("{}: summary.plan.ids: do not match summary.plan's cells and hash (an edited file?)", file.name));
    }
  }
  share.build = string_field(summary, "shakedown");
  share.interrupted = summary.value("interrupted", false);
  if (const auto status = summary.find("exit_status"); status != summary.end() && status->is_number_integer()) {
    share.exit_status = status->get<int>();
  }
  return share;
}

// That `b` is a shard of the same whole as `a`: plan, build and N.
Result<void> same_whole(const ShardShare& a, const ShardShare& b) {
  const auto& an = a.file->name;
  const auto& bn = b.file->name;
  if (a.plan_hash != b.plan_hash || a.plan_cells != b.plan_cells) {
    return usage_error(
        fmt::format("{} and {}: summary.plan: shards of different plans ({} cells, hash {}; {} cells, "
                    "hash {}): run every shard with the same scenarios and selection",
                    an, bn, a.plan_cells, a.plan_hash, b.plan_cells, b.plan_hash));
  }
  if (a.build != b.build) {
    return usage_error(fmt::format("{} and {}: summary.shakedown: shards of different builds ({}, {})", an, bn,
                                   a.build.empty() ? "not named" : a.build, b.build.empty() ? "not named" : b.build));
  }
  if (a.shard.count != b.shard.count) {
    return usage_error(fmt::format("{} and {}: summary.shard: {} and {} are not shares of one split (N differs)", an,
                                   bn, a.shard.text(), b.shard.text()));
  }
  if (a.shard.index == b.shard.index) {
    return usage_error(
        fmt::format("{} and {}: summary.shard: both are shard {} (the same shard twice)", an, bn, a.shard.text()));
  }
  return {};
}

// Where each cell came from, checked cell by cell: one target, one config
// hash per (target, line, profile), each cell once and in its shard.
struct CellSources {
  std::string target, target_file;
  std::map<std::tuple<std::string, std::string, std::string>, std::pair<std::string, std::string>> config_hashes;
  std::map<std::string, std::string> files_by_id;
};

Result<void> check_cell(CellSources& seen, const ShardShare& share, const json& cell,
                        const std::map<std::string, size_t>& positions) {
  const auto& name = share.file->name;
  const std::string id = merged_cell_id(cell);
  const std::string target = string_field(cell, "target");
  if (seen.target_file.empty()) {
    seen.target = target, seen.target_file = name;
  } else if (target != seen.target) {
    return usage_error(fmt::format("{} and {}: results[].target: shards of different targets ({}, {})",
                                   seen.target_file, name, seen.target, target));
  }
  const std::string hash = string_field(cell, "config_hash");
  const auto [known, added] = seen.config_hashes.try_emplace(
      {target, string_field(cell, "mbedtls_line"), string_field(cell, "profile")}, hash, name);
  if (!added && known->second.first != hash) {
    return usage_error(fmt::format("{} and {}: results[].config_hash of {}/{}/{}: different builds ({}, {})",
                                   known->second.second, name, target, std::get<1>(known->first),
                                   std::get<2>(known->first), known->second.first, hash));
  }
  const auto [first, fresh] = seen.files_by_id.try_emplace(id, name);
  if (!fresh) {
    return usage_error(
        first->second == name
            ? fmt::format("{}: results[]: cell {} twice", name, id)
            : fmt::format("{} and {}: results[]: cell {} is in both (a cell run twice)", first->second, name, id));
  }
  if (!positions.empty()) {
    const auto at = positions.find(id);
    if (at == positions.end()) {
      return usage_error(fmt::format("{}: results[]: cell {} is not in summary.plan.ids", name, id));
    }
    if (!share.shard.holds(at->second)) {
      return usage_error(fmt::format("{}: results[]: cell {} is not shard {}'s", name, id, share.shard.text()));
    }
  }
  return {};
}

std::string shard_list(const std::vector<Shard>& shards) {
  std::string out;
  for (const auto& s : shards) out += (out.empty() ? "" : ", ") + s.text();
  return out;
}

}  // namespace

Result<MergedRun> merge_shards(const std::vector<ShardFile>& files, bool allow_missing) {
  if (files.empty()) return usage_error("no shard files to merge");
  std::vector<ShardShare> shares;
  for (const auto& file : files) {
    auto share = read_share(file);
    if (!share) return share.error();
    for (const auto& earlier : shares) {
      if (auto same = same_whole(earlier, *share); !same) return same.error();
    }
    shares.push_back(std::move(*share));
  }
  const ShardShare& first = shares.front();
  const unsigned count = first.shard.count;
  const auto& ids = first.plan_ids;
  std::map<std::string, size_t> positions;
  for (size_t i = 0; i < ids.size(); ++i) positions.emplace(ids[i], i);

  MergedRun merged;
  CellSources seen;
  std::map<unsigned, const ShardShare*> given;
  std::vector<std::pair<size_t, json>> placed;  // (plan position, cell)
  for (const auto& share : shares) {
    given[share.shard.index] = &share;
    for (const auto& cell : share.file->document.value("results", json::array())) {
      if (auto checked = check_cell(seen, share, cell, positions); !checked) return checked.error();
      const auto at = positions.find(merged_cell_id(cell));
      placed.emplace_back(at == positions.end() ? 0 : at->second, cell);
    }
  }
  for (unsigned k = 1; k <= count; ++k) {
    if (!given.contains(k)) merged.absent.push_back({k, count});
  }

  // The planned cells without a result: missing, or not run by an interrupted shard.
  const std::string not_given = "not run: its shard was not merged";
  if (!ids.empty()) {
    for (size_t i = 0; i < ids.size(); ++i) {
      if (seen.files_by_id.contains(ids[i])) continue;
      const auto owner = given.find(static_cast<unsigned>(i % count) + 1);
      const bool interrupted = owner != given.end() && owner->second->interrupted;
      merged.missing += !interrupted;
      merged.not_run.push_back(not_run_cell(seen.target, ids[i], interrupted ? "" : not_given));
    }
  } else {
    if (placed.size() > first.plan_cells) {
      return usage_error(fmt::format("{}: summary.plan: {} cells, but the shards hold {}", first.file->name,
                                     first.plan_cells, placed.size()));
    }
    for (unsigned k = 1; k <= count; ++k) {
      const size_t share_size = Shard{k, count}.share_of(first.plan_cells);
      const auto owner = given.find(k);
      if (owner == given.end()) {
        merged.missing += share_size;
      } else if (!owner->second->interrupted) {
        const size_t held = owner->second->file->document.value("results", json::array()).size();
        merged.missing += share_size - std::min(share_size, held);
      }
    }
  }
  if (merged.missing > 0 && !allow_missing) {
    std::string names;
    for (const auto& share : shares) names += (names.empty() ? "" : ", ") + share.file->name;
    return usage_error(
        fmt::format("summary.plan: {} of {} planned cells are missing ({}; given: {}); "
                    "--allow-missing merges what there is",
                    merged.missing, first.plan_cells,
                    merged.absent.empty() ? "a shard lacks cells it planned"
                                          : fmt::format("shard {} not given", shard_list(merged.absent)),
                    names));
  }

  // The plan's order when its ids are known, else by cell id.
  merged.in_plan_order = !ids.empty();
  std::stable_sort(placed.begin(), placed.end(), [&](const auto& a, const auto& b) {
    return merged.in_plan_order ? a.first < b.first : merged_cell_id(a.second) < merged_cell_id(b.second);
  });
  for (auto& [at, cell] : placed) merged.cells.push_back(std::move(cell));

  RunFacts& facts = merged.facts;
  facts.build = first.build;
  facts.plan = PlanFacts{.cells = first.plan_cells, .hash = first.plan_hash};
  facts.missing = merged.missing;
  for (const auto& share : shares) {
    const json summary = share.file->document.value("summary", json::object());
    const std::string started = string_field(summary, "started");
    if (!started.empty() && (facts.started.empty() || started < facts.started)) facts.started = started;
    if (const auto s = summary.find("seconds"); s != summary.end() && s->is_number()) {
      facts.seconds = std::max(facts.seconds.value_or(0.0), s->get<double>());
    }
    facts.interrupted = facts.interrupted || share.interrupted;
    facts.merged_from.push_back(share.file->name);
    merged.trouble = merged.trouble || share.interrupted || share.exit_status == exit_codes::kInfrastructure;
  }
  merged.trouble = merged.trouble || merged.missing > 0;
  return merged;
}

}  // namespace shakedown::runner

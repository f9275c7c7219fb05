#include "merge_command.h"

#include <fmt/format.h>

#include <filesystem>
#include <map>

#include "compare.h"
#include "journal.h"
#include "merge.h"
#include "report_html.h"
#include "report_json.h"
#include "report_junit.h"
#include "run_command.h"
#include "shakedown/errors/exit_codes.h"

namespace shakedown::cli {
namespace {

namespace fs = std::filesystem;

// "shard 2/4, 73 cells: 72 as expected, 1 unexpected, 0 infrastructure errors (interrupted)"
std::string shard_line(const runner::ShardFile& file) {
  const auto summary = file.document.value("summary", nlohmann::json::object());
  std::map<std::string, size_t> verdicts;
  for (const auto& cell : file.document["results"]) ++verdicts[cell.value("verdict", "")];
  return fmt::format("{}: shard {}, {} cells: {} as expected, {} unexpected, {} infrastructure errors{}", file.name,
                     summary.value("shard", "?"), file.document["results"].size(), verdicts["as-expected"],
                     verdicts["unexpected"], verdicts["infrastructure-error"],
                     summary.value("interrupted", false) ? " (interrupted)" : "");
}

}  // namespace

int merge_command(const MergeArgs& args) {
  std::vector<runner::ShardFile> files;
  try {
    for (const auto& name : args.files) files.push_back({name, runner::read_results(name)});
  } catch (const std::exception& e) {
    fmt::print(stderr, "shakedown merge: {}\n", e.what());
    return exit_codes::kUsage;
  }
  for (const auto& file : files) fmt::print("{}\n", shard_line(file));
  auto merged = runner::merge_shards(files, args.allow_missing);
  if (!merged) {
    fmt::print(stderr, "shakedown merge: {}\n", merged.error().message);
    return exit_codes::kUsage;
  }
  std::vector<runner::CellResult> results;
  try {
    for (const auto& cell : merged->cells) results.push_back(runner::cell_from_json(cell));
  } catch (const std::exception& e) {
    fmt::print(stderr, "shakedown merge: {}\n", e.what());
    return exit_codes::kUsage;
  }
  const Tally tally(results);
  auto& facts = merged->facts;
  facts.exit_status = tally.exit_status(merged->trouble);
  const auto document = runner::results_document(merged->cells, facts);
  const fs::path out = args.out_dir;
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) {
    fmt::print(stderr, "shakedown merge: --out {}: {}\n", args.out_dir, ec.message());
    return exit_codes::kUsage;
  }
  bool written = true;
  try {
    runner::write_document(out / "results.json", document);
    runner::write_junit(out / "junit.xml", results, facts.interrupted, merged->not_run);
    runner::write_file(out / "report.html", report_html::run_page(document, out));
  } catch (const std::exception& e) {
    fmt::print(stderr, "shakedown merge: --out: {}\n", e.what());
    written = false;
  }

  fmt::print("merged {} shard{} of a plan of {} cells (hash {}), {}\n", files.size(), files.size() == 1 ? "" : "s",
             facts.plan->cells, facts.plan->hash,
             merged->in_plan_order ? "in the plan's order" : "sorted by cell id (the shards do not list the plan)");
  if (merged->missing > 0) {
    std::string absent;
    for (const auto& s : merged->absent) absent += (absent.empty() ? "" : ", ") + s.text();
    fmt::print("missing: {} planned cells without results ({}): an infrastructure error of the run\n", merged->missing,
               absent.empty() ? "a shard lacks cells it planned" : "shard " + absent + " not given");
  }
  if (tally.unexplained > 0) {
    fmt::print("!!! {} cell{} failed in a way no rule explains (finding '{}'): read their device logs\n",
               tally.unexplained, tally.unexplained == 1 ? "" : "s",
               diagnosis::finding_name(diagnosis::FindingId::kUnexplained));
  }
  const size_t not_run = merged->not_run.size() - std::min(merged->not_run.size(), merged->missing);
  std::string notes;
  if (merged->missing > 0) notes += fmt::format(", {} missing", merged->missing);
  if (facts.interrupted) {
    notes += merged->not_run.empty() ? ", a shard was interrupted" : fmt::format(", interrupted: {} not run", not_run);
  }
  fmt::print("\n{} cells: {} as expected, {} unexpected, {} infrastructure errors{}\n", results.size(),
             results.size() - tally.unexpected - tally.infrastructure, tally.unexpected, tally.infrastructure,
             notes.empty() ? "" : " (" + notes.substr(2) + ")");
  fmt::print("results: {}\n", args.out_dir);
  fmt::print("report: {}\n", (out / "report.html").string());
  return tally.exit_status(merged->trouble || !written);
}

}  // namespace shakedown::cli

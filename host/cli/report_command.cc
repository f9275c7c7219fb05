#include "report_command.h"

#include <fmt/format.h>

#include <filesystem>
#include <vector>

#include "journal.h"
#include "run_command.h"
#include "run_folder.h"
#include "shakedown/errors/exit_codes.h"

namespace shakedown::cli {

int report_command(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path journal_path = fs::path(dir) / runner::kJournalFile;
  if (!fs::exists(journal_path)) {
    fmt::print(stderr, "shakedown report: {}: no {}: not a folder `shakedown run --out` wrote\n", dir,
               runner::kJournalFile);
    return exit_codes::kUsage;
  }
  std::optional<runner::FolderLock> lock;
  try {
    lock = runner::FolderLock::take(dir);
  } catch (const std::exception& e) {
    fmt::print(stderr, "shakedown report: {}\n", e.what());
    return exit_codes::kUsage;
  }
  if (!lock) {
    fmt::print(stderr, "shakedown report: {}: a shakedown run is writing there; it writes the reports as it ends\n",
               dir);
    return exit_codes::kUsage;
  }
  runner::Journal journal;
  std::vector<runner::CellResult> finished;
  try {
    journal = runner::read_journal(journal_path);
    for (const auto& line : journal.ignored) {
      fmt::print(stderr, "shakedown report: {}: {}: ignored\n", journal_path.string(), line);
    }
    for (const auto& cell : journal.cells) finished.push_back(runner::cell_from_json(cell));
    runner::write_reports(journal, dir);
  } catch (const std::exception& e) {
    fmt::print(stderr, "shakedown report: {}\n", e.what());
    return exit_codes::kInfrastructure;
  }
  runner::remove_leftovers(dir);
  const Tally tally(finished);
  fmt::print(
      "{}: results.json, junit.xml and report.html rebuilt from {}: {} of {} planned cells finished ({} as expected, "
      "{} unexpected, "
      "{} infrastructure errors){}\n",
      dir, runner::kJournalFile, finished.size(), journal.planned.size(),
      finished.size() - tally.unexpected - tally.infrastructure, tally.unexpected, tally.infrastructure,
      journal.finished ? (journal.interrupted ? "; the run was interrupted" : "")
                       : "; the run did not finish: the cells not run are skipped in junit.xml");
  return tally.exit_status(journal.interrupted);
}

}  // namespace shakedown::cli

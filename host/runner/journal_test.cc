// The run's journal, the reports rebuilt from it, and the run's folders.

#include "journal.h"

#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <pugixml.hpp>
#include <sstream>

#include "report_json.h"
#include "run_folder.h"

namespace {

using namespace shakedown;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

// A fresh folder of this test's own.
fs::path fresh_folder(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("shakedown-journal-test-" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Three scenarios of one cell each, run on "sim".
struct Plan {
  std::vector<scenario::Scenario> scenarios;
  std::vector<runner::PlannedCell> cells;
  Plan() {
    for (const char* name : {"field/01-suite-mismatch", "field/02-sha1-root", "versions/01-tls13-only"}) {
      scenario::Scenario s;
      s.name = name;
      s.cells = {{"3.6", "field-2x", {}}};
      scenarios.push_back(std::move(s));
    }
    cells = runner::plan(scenarios, {});
  }
};

runner::CellResult finished(const runner::PlannedCell& planned, runner::Verdict verdict, const fs::path& cells_dir) {
  runner::CellResult r;
  r.scenario = planned.scenario->name;
  r.target = "sim";
  r.cell = planned.cell;
  r.verdict = verdict;
  r.why = verdict == runner::Verdict::kAsExpected ? "" : "expected a pass, got -0x262e";
  r.seconds = 0.25;
  r.device_log = {"ssl_cli.c:0885: client hello, add ciphersuite: c02b", "<&> quoted"};
  r.report.result = -0x262e;
  r.findings = {
      {diagnosis::FindingId::kCaSignatureHashDisabled, "The CA is signed with SHA-1.", {"e1", "e2"}, "Enable SHA-1."}};
  r.artifacts_dir = cells_dir / r.scenario / "sim-3.6-field-2x";
  return r;
}

std::vector<std::string> lines_of(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("the journal holds the plan and each cell as it finishes, and the reports rebuilt from it skip the rest") {
  const fs::path dir = fresh_folder("rebuild");
  Plan plan;
  const auto first = finished(plan.cells[0], runner::Verdict::kAsExpected, dir / "cells");
  const auto second = finished(plan.cells[1], runner::Verdict::kUnexpected, dir / "cells");
  {
    runner::JournalWriter journal(dir / runner::kJournalFile, "sim", plan.cells, dir / "cells");
    journal.append(first);
    // In the file before append returns: a run killed now keeps it.
    CHECK(lines_of(dir / runner::kJournalFile).size() == 2);
    journal.append(second);
  }  // the run dies here: no end line

  const runner::Journal journal = runner::read_journal(dir / runner::kJournalFile);
  CHECK(journal.target == "sim");
  CHECK(journal.planned.size() == 3);
  REQUIRE(journal.cells.size() == 2);
  CHECK(journal.cells[1] == runner::to_json(second));
  CHECK_FALSE(journal.finished);
  CHECK(journal.interrupted);
  CHECK(journal.ignored.empty());

  runner::write_reports(journal, dir);
  const auto results = nlohmann::json::parse(read_text(dir / "results.json"));
  REQUIRE(results["results"].size() == 2);
  CHECK(results["results"][0] == runner::to_json(first));
  CHECK(results["summary"]["interrupted"] == true);
  CHECK(results["summary"]["unexpected"] == 1);

  pugi::xml_document junit;
  REQUIRE(junit.load_file((dir / "junit.xml").c_str()));
  auto root = junit.child("testsuites");
  CHECK(root.attribute("tests").as_int() == 3);
  CHECK(root.attribute("failures").as_int() == 1);
  CHECK(root.attribute("skipped").as_int() == 1);
  auto versions = root.find_child_by_attribute("testsuite", "name", "sim.versions");
  REQUIRE(versions);
  CHECK(std::string(versions.child("testcase").attribute("classname").value()) == "sim.versions.01-tls13-only");
  CHECK(versions.child("testcase").child("skipped"));
}

TEST_CASE("the reports rebuilt from the journal are the ones the run writes, cells in plan order") {
  const fs::path dir = fresh_folder("same-junit");
  Plan plan;
  std::vector<runner::CellResult> results = {finished(plan.cells[0], runner::Verdict::kAsExpected, dir / "cells"),
                                             finished(plan.cells[1], runner::Verdict::kUnexpected, dir / "cells")};
  results[1].findings.push_back({diagnosis::FindingId::kUnexplained, "Nothing explains it.", {}, "Add a rule."});
  auto infra = finished(plan.cells[2], runner::Verdict::kInfrastructureError, dir / "cells");
  infra.findings.clear();
  infra.why = "simulator died: signal 11";
  results.push_back(infra);
  {
    runner::JournalWriter journal(dir / runner::kJournalFile, "sim", plan.cells, dir / "cells");
    // Finished in another order than planned, as on several threads.
    for (auto r = results.rbegin(); r != results.rend(); ++r) journal.append(*r);
    journal.finish(false);
  }
  runner::write_junit(dir / "from-the-run.xml", results, false);
  runner::write_json(dir / "from-the-run.json", results, false);
  const auto journal = runner::read_journal(dir / runner::kJournalFile);
  CHECK(journal.finished);
  CHECK_FALSE(journal.interrupted);
  runner::write_reports(journal, dir);
  CHECK(read_text(dir / "junit.xml") == read_text(dir / "from-the-run.xml"));
  // The same cells and counts; the rebuilt summary keeps the run's start,
  // but not its wall time or exit status, which only the run knew.
  const auto rebuilt = nlohmann::json::parse(read_text(dir / "results.json"));
  const auto run = nlohmann::json::parse(read_text(dir / "from-the-run.json"));
  CHECK(rebuilt["results"] == run["results"]);
  for (const char* field : {"cells", "as_expected", "unexpected", "infrastructure_errors", "interrupted"}) {
    CHECK(rebuilt["summary"][field] == run["summary"][field]);
  }
  CHECK(rebuilt["summary"]["started"] == journal.started);
  CHECK(read_text(dir / "report.html").find("simulator died: signal 11") != std::string::npos);
}

TEST_CASE("a last line cut short by a death mid-write is ignored, and said so") {
  const fs::path dir = fresh_folder("cut");
  Plan plan;
  {
    runner::JournalWriter journal(dir / runner::kJournalFile, "sim", plan.cells, dir / "cells");
    journal.append(finished(plan.cells[0], runner::Verdict::kAsExpected, dir / "cells"));
  }
  const std::string whole_cell =
      nlohmann::json{{"cell", runner::to_json(finished(plan.cells[1], runner::Verdict::kAsExpected, dir))}}.dump();
  {
    std::ofstream out(dir / runner::kJournalFile, std::ios::app);
    out << whole_cell.substr(0, whole_cell.size() / 2);
  }
  const auto journal = runner::read_journal(dir / runner::kJournalFile);
  CHECK(journal.cells.size() == 1);
  REQUIRE(journal.ignored.size() == 1);
  CHECK_THAT(journal.ignored[0], Contains("line 3") && Contains("cut short"));
}

TEST_CASE("a file that is not a journal is refused, naming it") {
  const fs::path dir = fresh_folder("not-a-journal");
  std::ofstream(dir / "journal.jsonl") << "{\"results\": []}\n";
  CHECK_THROWS_WITH(runner::read_journal(dir / "journal.jsonl"), Contains("journal.jsonl") && Contains("not a"));
}

TEST_CASE("a new run in the folder of one that died keeps the dead run aside, with its cells and reports") {
  const fs::path dir = fresh_folder("aside");
  Plan plan;
  const auto first = finished(plan.cells[0], runner::Verdict::kAsExpected, dir / "cells");
  fs::create_directories(first.artifacts_dir);
  std::ofstream(first.artifacts_dir / "device.log") << "log\n";
  {
    runner::JournalWriter journal(dir / runner::kJournalFile, "sim", plan.cells, dir / "cells");
    journal.append(first);
  }
  std::ofstream(dir / "results.json") << "{}";  // an older run's
  std::ofstream(dir / "report.html") << "<!doctype html>";
  std::ofstream(dir / "report.html.tmp") << "<!doctype";  // half-written when it died
  fs::create_directories(dir / "tmp" / "s_server-abc");

  const auto aside = runner::prepare_for_run(dir);
  REQUIRE(aside);
  CHECK(aside->parent_path() == dir);
  CHECK_THAT(aside->filename().string(), Contains("unfinished-run-"));
  CHECK_FALSE(fs::exists(dir / runner::kJournalFile));
  CHECK_FALSE(fs::exists(dir / "results.json"));
  CHECK_FALSE(fs::exists(dir / "report.html"));  // not the new run's: it goes with the old reports
  CHECK_FALSE(fs::exists(dir / "report.html.tmp"));
  CHECK_FALSE(fs::exists(dir / "cells"));
  CHECK(fs::exists(*aside / "cells" / first.scenario / "sim-3.6-field-2x" / "device.log"));
  const auto results = nlohmann::json::parse(read_text(*aside / "results.json"));
  REQUIRE(results["results"].size() == 1);
  CHECK(results["results"][0]["artifacts"] == (*aside / "cells" / first.scenario / "sim-3.6-field-2x").string());
  CHECK(fs::exists(*aside / "junit.xml"));
  CHECK(runner::read_journal(*aside / runner::kJournalFile).cells.size() == 1);

  // A finished run is simply replaced.
  {
    runner::JournalWriter journal(dir / runner::kJournalFile, "sim", plan.cells, dir / "cells");
    journal.finish(false);
  }
  CHECK_FALSE(runner::prepare_for_run(dir));
  CHECK_FALSE(fs::exists(dir / runner::kJournalFile));
}

TEST_CASE("the half-written reports a killed run leaves are tidied, and whole ones kept") {
  const fs::path dir = fresh_folder("leftovers");
  for (const char* name : {"results.json.tmp", "junit.xml.tmp", "report.html.tmp", "report.html"}) {
    std::ofstream(dir / name) << "x";
  }
  runner::remove_leftovers(dir);
  for (const char* name : {"results.json.tmp", "junit.xml.tmp", "report.html.tmp"}) CHECK_FALSE(fs::exists(dir / name));
  CHECK(fs::exists(dir / "report.html"));
}

TEST_CASE("a run's folder is held against a second run until the first is gone") {
  const fs::path dir = fresh_folder("lock");
  auto held = runner::FolderLock::take(dir);
  REQUIRE(held);
  CHECK_FALSE(runner::FolderLock::take(dir));
  held.reset();
  CHECK(runner::FolderLock::take(dir));
}

TEST_CASE("a run's temporary files live in its own folder, gone when it ends, and a dead run's are tidied") {
  const fs::path out = fresh_folder("scratch-out");
  fs::create_directories(out / "tmp" / "left-by-a-dead-run");
  {
    runner::ScratchFolder scratch(out);
    CHECK(scratch.path() == out / "tmp");
    CHECK(fs::is_empty(scratch.path()));
  }
  CHECK_FALSE(fs::exists(out / "tmp"));

  // Without --out: a folder of its own in $TMPDIR; one an earlier run left
  // (old, unlocked) goes when the next run makes its own.
  const fs::path tmp = fresh_folder("scratch-tmp");
  const char* old_tmpdir = std::getenv("TMPDIR");
  ::setenv("TMPDIR", tmp.c_str(), 1);
  const fs::path orphan = tmp / "shakedown-run-orphan";
  fs::create_directories(orphan);
  fs::last_write_time(orphan, fs::file_time_type::clock::now() - std::chrono::minutes(5));
  {
    runner::ScratchFolder scratch("");
    CHECK(scratch.path().parent_path() == tmp);
    CHECK_FALSE(fs::exists(orphan));
    // A live run's is not touched, however old.
    fs::last_write_time(scratch.path(), fs::file_time_type::clock::now() - std::chrono::minutes(5));
    runner::ScratchFolder other("");
    CHECK(fs::exists(scratch.path()));
  }
  CHECK(fs::is_empty(tmp));
  if (old_tmpdir != nullptr)
    ::setenv("TMPDIR", old_tmpdir, 1);
  else
    ::unsetenv("TMPDIR");
}

TEST_CASE("a device log line that is not UTF-8 goes into the journal as U+FFFD, never an exception") {
  const fs::path dir = fresh_folder("latin1");
  Plan plan;
  auto cell = finished(plan.cells[0], runner::Verdict::kAsExpected, dir / "cells");
  cell.device_log = {"subject: CN=M\xfcller GmbH"};  // Latin-1
  {
    runner::JournalWriter journal(dir / runner::kJournalFile, "sim", plan.cells, dir / "cells");
    REQUIRE_NOTHROW(journal.append(cell));
  }
  const auto journal = runner::read_journal(dir / runner::kJournalFile);
  REQUIRE(journal.cells.size() == 1);
  CHECK(journal.cells[0]["device_log"][0] == "subject: CN=M\xef\xbf\xbdller GmbH");
  REQUIRE_NOTHROW(runner::write_reports(journal, dir));
}

TEST_CASE("what the run is (build, plan, shard) survives in the journal into the rebuilt reports") {
  const fs::path dir = fresh_folder("identity");
  Plan plan;
  const runner::RunFacts facts{
      .build = "0.9.0+abc", .plan = runner::plan_facts(plan.cells, true), .shard = runner::Shard{2, 3}};
  const auto mine = runner::take_shard(plan.cells, *facts.shard);
  REQUIRE(mine.size() == 1);
  {
    runner::JournalWriter writer(dir / runner::kJournalFile, "sim", mine, dir / "cells", runner::run_identity(facts));
    writer.append(finished(mine[0], runner::Verdict::kAsExpected, dir / "cells"));
    // No end line: the run died.
  }
  const auto journal = runner::read_journal(dir / runner::kJournalFile);
  CHECK(journal.identity == runner::run_identity(facts));
  runner::write_reports(journal, dir);
  const auto summary = nlohmann::json::parse(read_text(dir / "results.json"))["summary"];
  CHECK(summary["shard"] == "2/3");
  CHECK(summary["shakedown"] == "0.9.0+abc");
  CHECK(summary["plan"]["cells"] == 3);
  CHECK(summary["plan"]["hash"] == runner::plan_hash({plan.cells[0].id, plan.cells[1].id, plan.cells[2].id}));
  CHECK(summary["plan"]["ids"].size() == 3);
  CHECK(summary["interrupted"] == true);
  fs::remove_all(dir);
}

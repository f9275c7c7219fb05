#pragma once
// The journal of a run with --out DIR: DIR/journal.jsonl, written as the run
// goes, so that its results survive any death of the process, SIGKILL
// included. One JSON object a line:
//   {"plan": {"target": "sim", "started": "2025-01-31T12:00:00Z",
//             "cells_dir": "DIR/cells", "cells": [{"scenario": ...,
//             "mbedtls_line": ..., "profile": ...}, ...],
//             "run": {"shakedown": ..., "plan": ..., "shard": ...}}}
//             ("run": what results.json's summary says the run is, run_identity)
//   {"cell": <the cell's object in results.json (to_json)>}   one per finished cell
//   {"end": {"interrupted": false}}   once the run's reports are written
// Each line is flushed and fsync'd before the run goes on. A journal
// without its end line is unfinished: its run died (or is still running).
// DIR/results.json and DIR/junit.xml can always be rebuilt from it
// (`shakedown report DIR`); a last line cut short by a death mid-write is
// ignored, and said so.

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "matrix.h"
#include "report_junit.h"
#include "runner.h"

namespace shakedown::runner {

inline constexpr const char* kJournalFile = "journal.jsonl";

class JournalWriter {
 public:
  // Starts a journal at `path` (replacing what is there) with the plan.
  // `cells_dir` is where the run keeps its cells' files (RunnerOptions::
  // artifacts_dir), as the cells' "artifacts" name it. Throws
  // std::runtime_error naming the file.
  // `identity` is run_identity's (report_json.h), kept for the reports.
  JournalWriter(const std::filesystem::path& path, const std::string& target, const std::vector<PlannedCell>& plan,
                const std::filesystem::path& cells_dir, const nlohmann::json& identity = nlohmann::json::object());
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  // Appends a finished cell, flushed and fsync'd. Safe from several
  // threads. Throws std::runtime_error naming the file.
  void append(const CellResult& result);
  // The end line: the run's reports are written.
  void finish(bool interrupted);
  // For exiting at once: waits for an append under way, then lets no other
  // begin, so the journal ends on a whole line.
  void seal();

 private:
  void write_line(const nlohmann::json& line);

  std::filesystem::path path_;
  int fd_ = -1;
  std::mutex mutex_;
  bool sealed_ = false;
};

// A journal as read back.
struct Journal {
  std::string target;
  std::string started;                // UTC, ISO 8601
  std::filesystem::path cells_dir;    // as the cells' "artifacts" begin
  std::vector<CellNotRun> planned;    // every cell of the plan
  nlohmann::json identity = nlohmann::json::object();  // run_identity's fields, for the summary
  std::vector<nlohmann::json> cells;  // the finished cells, as results.json holds them, in plan order
  bool finished = false;              // its end line is there
  bool interrupted = false;           // the run was stopped, or never finished
  std::vector<std::string> ignored;   // lines left out, and why ("line 9: cut short ...")
};

// Reads `path`. Throws std::runtime_error naming the file when it cannot be
// read or does not begin with a plan.
Journal read_journal(const std::filesystem::path& path);

// A finished cell's JSON back as the CellResult fields the reports read
// (JUnit and the summary): scenario, target, line, profile, verdict, why,
// seconds, findings, artifacts, device log. What else to_json wrote stays
// only in the JSON. Throws std::runtime_error for an object to_json did
// not write.
CellResult cell_from_json(const nlohmann::json& cell);

// The planned cells not among the finished ones.
std::vector<CellNotRun> cells_not_run(const std::vector<CellNotRun>& planned, const std::vector<CellResult>& finished);

// Writes `journal` to `path` as a finished one (plan, cells, end line):
// an unfinished run's, kept aside once its reports are rebuilt. Throws
// std::runtime_error naming the file.
void save_journal(const Journal& journal, const std::filesystem::path& path);

// Writes dir/results.json, dir/junit.xml and dir/report.html from `journal`. Throws
// std::runtime_error naming the file it could not write.
void write_reports(const Journal& journal, const std::filesystem::path& dir);

}  // namespace shakedown::runner

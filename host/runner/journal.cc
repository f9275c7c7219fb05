#include "journal.h"

#include "report_html.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>
#include <tuple>

#include "findings.h"
#include "output_text.h"
#include "report_json.h"

namespace shakedown::runner {
namespace {

using nlohmann::json;

// One line of the journal, any bytes encoded as the reports encode them.
std::string one_line(const json& entry) {
  return json_text(entry, -1) + "\n";
}

json plan_entry(const std::string& target, const std::string& started, const std::filesystem::path& cells_dir,
                const std::vector<CellNotRun>& planned, const json& identity) {
  json cells = json::array();
  for (const auto& p : planned) {
    cells.push_back({{"scenario", p.scenario}, {"mbedtls_line", p.mbedtls_line}, {"profile", p.profile}});
  }
  json plan = {{"target", target}, {"started", started}, {"cells_dir", cells_dir.string()}, {"cells", cells}};
  if (identity.is_object() && !identity.empty()) plan["run"] = identity;
  return {{"plan", plan}};
}

json end_entry(bool interrupted) {
  return {{"end", {{"interrupted", interrupted}}}};
}

using CellKey = std::tuple<std::string, std::string, std::string>;  // scenario, line, profile

// Cells finish in any order on several threads; reports list them as planned.
void in_plan_order(Journal& journal) {
  std::map<CellKey, std::vector<size_t>> positions;  // a plan may hold a cell twice
  for (size_t i = journal.planned.size(); i-- > 0;) {
    const auto& p = journal.planned[i];
    positions[{p.scenario, p.mbedtls_line, p.profile}].push_back(i);
  }
  std::vector<std::pair<size_t, json>> placed;
  for (auto& cell : journal.cells) {
    auto& free =
        positions[{string_field(cell, "scenario"), string_field(cell, "mbedtls_line"), string_field(cell, "profile")}];
    size_t at = journal.planned.size();  // not in the plan: last
    if (!free.empty()) at = free.back(), free.pop_back();
    placed.emplace_back(at, std::move(cell));
  }
  std::stable_sort(placed.begin(), placed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  journal.cells.clear();
  for (auto& [at, cell] : placed) journal.cells.push_back(std::move(cell));
}

}  // namespace

JournalWriter::JournalWriter(const std::filesystem::path& path, const std::string& target,
                             const std::vector<PlannedCell>& plan, const std::filesystem::path& cells_dir,
                             const json& identity)
    : path_(path), fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644)) {
  if (fd_ < 0) throw std::runtime_error(fmt::format("{}: cannot create ({})", path.string(), std::strerror(errno)));
  std::vector<CellNotRun> planned;
  for (const auto& p : plan) planned.push_back({target, p.scenario->name, p.cell.mbedtls_line, p.cell.profile});
  write_line(plan_entry(target, utc_now(), cells_dir, planned, identity));
}

JournalWriter::~JournalWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void JournalWriter::write_line(const json& line) {
  const std::string bytes = one_line(line);
  std::lock_guard lock(mutex_);
  if (sealed_) return;
  for (size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(fmt::format("{}: cannot write ({})", path_.string(), std::strerror(errno)));
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd_) != 0) {
    throw std::runtime_error(fmt::format("{}: cannot sync ({})", path_.string(), std::strerror(errno)));
  }
}

void JournalWriter::append(const CellResult& result) {
  write_line({{"cell", to_json(result)}});
}

void JournalWriter::finish(bool interrupted) {
  write_line(end_entry(interrupted));
}

void JournalWriter::seal() {
  std::lock_guard lock(mutex_);
  sealed_ = true;
}

Journal read_journal(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot read ({})", path.string(), std::strerror(errno)));
  Journal journal;
  bool planned = false;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    const bool whole = !in.eof();  // a line cut short has no newline
    json entry = json::parse(line, nullptr, false);
    if (entry.is_discarded() || !entry.is_object() || entry.size() != 1) {
      if (number == 1) throw std::runtime_error(fmt::format("{}: not a shakedown run's journal", path.string()));
      journal.ignored.push_back(
          fmt::format("line {}: {}", number, whole ? "not a journal entry" : "cut short (the run died writing it)"));
      continue;
    }
    if (const auto plan = entry.find("plan"); plan != entry.end() && number == 1) {
      planned = true;
      journal.target = string_field(*plan, "target");
      journal.started = string_field(*plan, "started");
      journal.cells_dir = string_field(*plan, "cells_dir");
      if (const auto run = plan->find("run"); run != plan->end() && run->is_object()) journal.identity = *run;
      for (const auto& c : plan->value("cells", json::array())) {
        journal.planned.push_back(
            {journal.target, string_field(c, "scenario"), string_field(c, "mbedtls_line"), string_field(c, "profile")});
      }
    } else if (const auto cell = entry.find("cell"); cell != entry.end() && cell->is_object()) {
      journal.cells.push_back(*cell);
    } else if (const auto end = entry.find("end"); end != entry.end()) {
      journal.finished = true;
      journal.interrupted = end->value("interrupted", false);
    } else {
      journal.ignored.push_back(fmt::format("line {}: not a journal entry", number));
    }
  }
  if (!planned) throw std::runtime_error(fmt::format("{}: not a shakedown run's journal (no plan)", path.string()));
  if (!journal.finished) journal.interrupted = true;
  in_plan_order(journal);
  return journal;
}

CellResult cell_from_json(const json& cell) {
  CellResult r;
  const auto verdict = parse_verdict(string_field(cell, "verdict"));
  if (!verdict) throw std::runtime_error(fmt::format("a cell without a verdict: {}", one_line(cell).substr(0, 200)));
  r.verdict = *verdict;
  r.scenario = string_field(cell, "scenario");
  r.target = string_field(cell, "target");
  r.cell.mbedtls_line = string_field(cell, "mbedtls_line");
  r.cell.profile = string_field(cell, "profile");
  r.why = string_field(cell, "why");
  r.seconds = cell.value("seconds", 0.0);
  r.artifacts_dir = string_field(cell, "artifacts");
  for (const auto& line : cell.value("device_log", json::array())) {
    if (line.is_string()) r.device_log.push_back(line.get<std::string>());
  }
  for (const auto& f : cell.value("findings", json::array())) {
    const auto id = diagnosis::parse_finding(string_field(f, "id"));
    if (!id) throw std::runtime_error(fmt::format("unknown finding '{}'", string_field(f, "id")));
    diagnosis::Finding finding{*id, string_field(f, "summary"), {}, string_field(f, "fix")};
    for (const auto& e : f.value("evidence", json::array())) {
      if (e.is_string()) finding.evidence.push_back(e.get<std::string>());
    }
    r.findings.push_back(std::move(finding));
  }
  return r;
}

std::vector<CellNotRun> cells_not_run(const std::vector<CellNotRun>& planned, const std::vector<CellResult>& finished) {
  // Counted, not looked up: a plan may hold a cell twice.
  std::map<CellKey, size_t> ran;
  for (const auto& r : finished) ++ran[{r.scenario, r.cell.mbedtls_line, r.cell.profile}];
  std::vector<CellNotRun> out;
  for (const auto& p : planned) {
    auto it = ran.find({p.scenario, p.mbedtls_line, p.profile});
    if (it != ran.end() && it->second > 0) {
      --it->second;
    } else {
      out.push_back(p);
    }
  }
  return out;
}

void save_journal(const Journal& journal, const std::filesystem::path& path) {
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << one_line(plan_entry(journal.target, journal.started, journal.cells_dir, journal.planned, journal.identity));
    for (const auto& cell : journal.cells) out << one_line(json{{"cell", cell}});
    out << one_line(end_entry(journal.interrupted));
    if (!out.flush()) throw std::runtime_error(fmt::format("{}: cannot write", tmp));
  }
  std::filesystem::rename(tmp, path);
}

void write_reports(const Journal& journal, const std::filesystem::path& dir) {
  std::vector<CellResult> finished;
  for (const auto& cell : journal.cells) finished.push_back(cell_from_json(cell));
  auto document = results_document(journal.cells, {.interrupted = journal.interrupted, .started = journal.started});
  document["summary"].update(journal.identity);
  write_document(dir / "results.json", document);
  write_junit(dir / "junit.xml", finished, journal.interrupted, cells_not_run(journal.planned, finished));
  write_file(dir / "report.html", report_html::run_page(document, dir));
}

}  // namespace shakedown::runner

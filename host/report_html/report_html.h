#pragma once
// The HTML report: one self-contained page (styles, script and diagrams
// inline; nothing fetched) that a CI artifact or a mail can carry. Every
// page is made from the JSON the CLI already writes (results.json,
// `explain --json`, the comparison of `diff`), so the page and the machine
// output never disagree. Pages are strings; the caller writes them
// (runner::write_file).

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace shakedown::report_html {

// A run's page from its results.json document ({"results", "summary"}):
// the header (what ran, when, how long, the totals, the exit status), the
// matrix of scenarios by (target, line, profile) with its filter, and each
// cell. Links to the cells' files are made relative to `report_dir`.
std::string run_page(const nlohmann::json& results, const std::filesystem::path& report_dir);

// `shakedown explain LOG --html`: the explanation (explain's JSON) with the
// log's lines that each finding cites. `log_lines` are the log's lines in
// order (line 1 first); `log_name` labels it.
std::string explain_page(const nlohmann::json& explanation, const std::vector<std::string>& log_lines,
                         const std::string& log_name);

// `shakedown diff A B --html`: the comparison (runner::to_json of a
// RunComparison) with disagreements first, then declared differences, then
// details and figures.
std::string diff_page(const nlohmann::json& comparison, const std::string& a_name, const std::string& b_name);

}  // namespace shakedown::report_html

// A run's page: header, matrix, cells.

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "cell_view.h"
#include "html.h"
#include "report_html.h"

namespace shakedown::report_html {
namespace {

using nlohmann::json;

// Cells are unfolded when a run is small enough to read whole.
constexpr size_t kOpenAllUpTo = 64;

// What `shakedown run`'s exit status means (shakedown/errors/exit_codes.h).
std::string exit_meaning(int status) {
  switch (status) {
    case 0: return "every cell went as expected";
    case 1: return "a cell's outcome differs from its expectation, or no rule explains a failure";
    case 2: return "the host could not do its part (an infrastructure error), or the run was interrupted";
    default: return "the run did not start";
  }
}

using Column = std::tuple<std::string, std::string, std::string>;  // target, line, profile

Column column_of(const json& cell) {
  return {text_of(cell, "target"), text_of(cell, "mbedtls_line"), text_of(cell, "profile")};
}

std::string joined(const std::set<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + escape(i);
  return out;
}

std::string header(const json& results, const json& summary) {
  std::set<std::string> targets, lines, profiles, configs;
  double cell_seconds = 0;
  for (const auto& c : results) {
    targets.insert(text_of(c, "target"));
    lines.insert(text_of(c, "mbedtls_line") + " (" + text_of(c, "mbedtls", "?") + ")");
    profiles.insert(text_of(c, "profile"));
    if (!text_of(c, "config_hash").empty()) {
      configs.insert(text_of(c, "profile") + "@" + text_of(c, "mbedtls_line") + " " + text_of(c, "config_hash"));
    }
    cell_seconds += c.value("seconds", 0.0);
  }
  const auto count = [&](const char* field) { return summary.value(field, 0); };
  std::string out = "<header id=\"run\"";
  if (summary.contains("exit_status"))
    out += fmt::format(" data-exit-status=\"{}\"", summary["exit_status"].get<int>());
  out += "><h1>shakedown run</h1><dl class=\"facts\">";
  out += "<dt>targets</dt><dd>" + joined(targets) + "</dd>";
  out += "<dt>Mbed TLS lines</dt><dd>" + joined(lines) + "</dd>";
  out += "<dt>profiles</dt><dd>" + joined(profiles) + "</dd>";
  out += "<dt>config hashes</dt><dd class=\"mono\">" + joined(configs) + "</dd>";
  if (!text_of(summary, "started").empty())
    out += "<dt>started</dt><dd>" + escape(text_of(summary, "started")) + "</dd>";
  if (!text_of(summary, "shard").empty()) {
    out += "<dt>shard</dt><dd>" + escape(text_of(summary, "shard")) +
           " of the plan (shakedown merge joins the shards)</dd>";
  }
  if (summary.contains("merged_from") && summary["merged_from"].is_array()) {
    std::set<std::string> files;
    for (const auto& f : summary["merged_from"]) files.insert(f.is_string() ? f.get<std::string>() : dumped(f));
    const int missing = summary.value("missing", 0);
    out += fmt::format(
        "<dt>merged from</dt><dd>{} shards: <span class=\"mono\">{}</span>{}</dd>", files.size(), joined(files),
        missing > 0 ? fmt::format("; <b>{} planned cells missing</b> (their shards were not merged)", missing) : "");
  }
  if (summary.contains("seconds")) {
    out += fmt::format("<dt>took</dt><dd>{:.1f} s</dd>", summary["seconds"].get<double>());
  } else {
    out += fmt::format("<dt>took</dt><dd>{:.1f} s in cells (the run's own time was not kept)</dd>", cell_seconds);
  }
  out += fmt::format(
      "<dt>cells</dt><dd class=\"status\">{} cells: {} as expected, {} unexpected, {} infrastructure errors{}</dd>",
      count("cells"), count("as_expected"), count("unexpected"), count("infrastructure_errors"),
      summary.value("interrupted", false) ? " (interrupted)" : "");
  if (summary.contains("exit_status")) {
    const int status = summary["exit_status"].get<int>();
    out += fmt::format("<dt>exit status</dt><dd class=\"status\">{}: {}</dd>", status, exit_meaning(status));
  }
  return out + "</dl></header>\n";
}

std::string filters() {
  std::string out =
      "<div class=\"filters\" role=\"search\"><label>Filter <input type=\"search\" id=\"filter-text\" "
      "placeholder=\"scenario, profile, finding… (press /)\"></label>";
  for (const char* v : {"unexpected", "infra", "expected-fail", "pass"}) {
    out += fmt::format(
        "<label class=\"v-{0}\"><input type=\"checkbox\" class=\"filter-verdict\" value=\"{0}\" checked> "
        "<span class=\"badge\">{1}</span></label>",
        v, verdict_label(v));
  }
  return out + "<span id=\"filter-count\" class=\"muted\" aria-live=\"polite\"></span></div>\n";
}

std::string matrix(const json& results) {
  std::vector<std::string> scenarios;
  std::set<Column> columns;
  std::map<std::pair<std::string, Column>, size_t> at;  // (scenario, column) -> cell index
  for (size_t i = 0; i < results.size(); ++i) {
    const std::string s = text_of(results[i], "scenario");
    if (std::find(scenarios.begin(), scenarios.end(), s) == scenarios.end()) scenarios.push_back(s);
    columns.insert(column_of(results[i]));
    at.emplace(std::pair{s, column_of(results[i])}, i);
  }
  std::string out = "<div class=\"matrix-wrap\"><table id=\"matrix\"><thead><tr><th>scenario</th>";
  for (const auto& [target, line, profile] : columns) {
    out +=
        fmt::format("<th class=\"col\" scope=\"col\">{} · {} · {}</th>", escape(target), escape(line), escape(profile));
  }
  out += "</tr></thead><tbody>\n";
  for (const auto& s : scenarios) {
    out += fmt::format("<tr><th class=\"row\" scope=\"row\">{}</th>", escape(s));
    for (const auto& column : columns) {
      const auto it = at.find({s, column});
      if (it == at.end()) {
        out += "<td></td>";
        continue;
      }
      const json& cell = results[it->second];
      const std::string v = verdict_class(cell);
      const std::string finding = text_of(cell, "finding");
      out += fmt::format(
          "<td class=\"cell v-{0}\" data-verdict=\"{0}\" data-search=\"{1}\"><a href=\"#c{2}\" "
          "title=\"{3}\">{4}</a></td>",
          v, escape(search_text(cell)), it->second, escape(verdict_label(v)),
          escape(!finding.empty() ? finding
                 : v == "pass"    ? "pass"
                 : v == "infra"   ? "infra"
                                  : "fail"));
    }
    out += "</tr>\n";
  }
  return out + "</tbody></table></div>\n";
}

}  // namespace

std::string run_page(const json& document, const std::filesystem::path& report_dir) {
  const json& results = document.at("results");
  const json& summary = document.value("summary", json::object());
  std::string out = open_page("shakedown run");
  out += header(results, summary);
  out += "<h2>Matrix</h2>" + filters() + matrix(results);
  out += "<h2>Cells</h2>\n";
  ClientHellos hellos;
  const bool open_all = results.size() <= kOpenAllUpTo;
  for (size_t i = 0; i < results.size(); ++i) {
    const bool open = open_all && verdict_class(results[i]) != "pass";
    out += cell_section(results[i], i, open, hellos, report_dir);
  }
  out += hellos.templates();
  return out + close_page();
}

}  // namespace shakedown::report_html

#include "compare.h"

#include "matrix.h"

#include <fmt/format.h>

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace shakedown::runner {
namespace {

using nlohmann::json;

std::string cell_key(const json& cell) {
  return cell_id(cell.value("scenario", "?"), cell.value("mbedtls_line", "?"), cell.value("profile", "?"));
}

std::string text(const json& cell, const char* field) {
  if (!cell.contains(field) || cell[field].is_null()) return "-";
  return cell[field].is_string() ? cell[field].get<std::string>() : cell[field].dump();
}

std::string first_target(const json& run) {
  for (const auto& cell : run["results"]) return cell.value("target", "?");
  return "?";
}

}  // namespace

json read_results(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot read", path.string()));
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string content = buffer.str();
  json doc;
  try {
    doc = json::parse(content);
  } catch (const json::parse_error& e) {
    // nlohmann names a byte offset; people look for lines.
    const size_t at = std::min<size_t>(e.byte == 0 ? 0 : e.byte - 1, content.size());
    const size_t line = 1 + static_cast<size_t>(std::count(content.begin(), content.begin() + at, '\n'));
    const size_t line_start = content.rfind('\n', at == 0 ? 0 : at - 1);
    const size_t column = at - (line_start == std::string::npos ? 0 : line_start + 1) + 1;
    throw std::runtime_error(fmt::format("{}:{}:{}: not valid JSON", path.string(), line, column));
  }
  if (!doc.is_object() || !doc.contains("results") || !doc["results"].is_array()) {
    throw std::runtime_error(fmt::format("{}: no \"results\" array: not a `shakedown run --json` file", path.string()));
  }
  // The fields cells are matched and judged by: named, with the file, when wrong.
  const json& results = doc["results"];
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].is_object()) throw std::runtime_error(fmt::format("{}: results[{}]: not an object", path.string(), i));
    for (const char* field : {"scenario", "target", "mbedtls_line", "profile", "verdict"}) {
      if (!results[i].contains(field) || !results[i][field].is_string()) {
        throw std::runtime_error(fmt::format("{}: results[{}].{}: expected a string", path.string(), i, field));
      }
    }
  }
  return doc;
}

RunComparison compare_runs(const json& a, const json& b) {
  RunComparison out{first_target(a), first_target(b)};
  std::map<std::string, const json*> in_b;
  for (const auto& cell : b["results"]) in_b[cell_key(cell)] = &cell;
  std::map<std::string, bool> seen_in_a;
  for (const auto& ca : a["results"]) {
    const std::string key = cell_key(ca);
    seen_in_a[key] = true;
    auto it = in_b.find(key);
    if (it == in_b.end()) {
      out.only_in_a.push_back(key);
      continue;
    }
    const json& cb = *it->second;
    ++out.compared;
    const bool declared = text(ca, "verdict") == "as-expected" && text(cb, "verdict") == "as-expected" &&
                          ca.value("expected", json()) != cb.value("expected", json());
    for (const char* field : {"verdict", "result", "finding"}) {
      if (text(ca, field) != text(cb, field)) {
        (declared ? out.declared_differences : out.disagreements)
            .push_back({key, field, text(ca, field), text(cb, field)});
      }
    }
    if (text(ca, "error_code") != text(cb, "error_code")) {
      out.detail_differences.push_back({key, "error_code", text(ca, "error_code"), text(cb, "error_code")});
    }
    for (const char* field : {"handshake_ms", "peak_heap_bytes", "peak_stack_bytes"}) {
      if (text(ca, field) != text(cb, field)) {
        out.expected_differences.push_back({key, field, text(ca, field), text(cb, field)});
      }
    }
  }
  for (const auto& [key, cell] : in_b) {
    if (!seen_in_a.contains(key)) out.only_in_b.push_back(key);
  }
  return out;
}

void print_comparison(std::FILE* out, const RunComparison& c) {
  fmt::print(out, "{} cells compared ({} against {})\n", c.compared, c.a_target, c.b_target);
  if (!c.disagreements.empty()) {
    fmt::print(out, "\nDISAGREEMENTS (verdict, result or finding):\n");
    for (const auto& d : c.disagreements) {
      fmt::print(out, "  {}  {}: {} = {}, {} = {}\n", d.cell, d.field, c.a_target, d.a, c.b_target, d.b);
    }
  }
  for (const auto& [title, cells] :
       {std::pair{"only in the first run", &c.only_in_a}, {"only in the second run", &c.only_in_b}}) {
    if (cells->empty()) continue;
    fmt::print(out, "\n{} ({}):\n", title, cells->size());
    for (const auto& cell : *cells) fmt::print(out, "  {}\n", cell);
  }
  if (!c.declared_differences.empty()) {
    fmt::print(out, "\ndifferences the scenarios declare (profile@target expectations, both as expected):\n");
    for (const auto& d : c.declared_differences) {
      fmt::print(out, "  {}  {}: {} {}, {} {}\n", d.cell, d.field, c.a_target, d.a, c.b_target, d.b);
    }
  }
  if (!c.detail_differences.empty()) {
    fmt::print(out, "\ndifferences in detail (the same finding, another error code):\n");
    for (const auto& d : c.detail_differences) {
      fmt::print(out, "  {}  {}: {} {}, {} {}\n", d.cell, d.field, c.a_target, d.a, c.b_target, d.b);
    }
  }
  if (!c.expected_differences.empty()) {
    // Timing and memory differ by nature between targets: shown, not judged.
    fmt::print(out, "\nexpected differences (timing and memory), {} figures:\n", c.expected_differences.size());
    for (const auto& d : c.expected_differences) {
      fmt::print(out, "  {}  {}: {} {}, {} {}\n", d.cell, d.field, c.a_target, d.a, c.b_target, d.b);
    }
  }
  fmt::print(out, "\n{} disagreements, {} declared differences, {} differences in detail, {} cells only in one run\n",
             c.disagreements.size(), c.declared_differences.size(), c.detail_differences.size(),
             c.only_in_a.size() + c.only_in_b.size());
}

nlohmann::json to_json(const RunComparison& c) {
  auto rows = [](const std::vector<CellDifference>& differences) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : differences) out.push_back({{"cell", d.cell}, {"field", d.field}, {"a", d.a}, {"b", d.b}});
    return out;
  };
  return {{"a_target", c.a_target},
          {"b_target", c.b_target},
          {"compared", c.compared},
          {"only_in_a", c.only_in_a},
          {"only_in_b", c.only_in_b},
          {"disagreements", rows(c.disagreements)},
          {"declared_differences", rows(c.declared_differences)},
          {"detail_differences", rows(c.detail_differences)},
          {"expected_differences", rows(c.expected_differences)}};
}

}  // namespace shakedown::runner

#pragma once
// One cell of a run (an object of results.json's "results") as a person
// reads it: its verdict, what was expected and what came, the findings with
// their evidence and fix (and the fix's verification and price), the ladder,
// the ClientHello, the device log with the lines behind the finding marked,
// and links to the cell's files.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace shakedown::report_html {

// The four colours of a cell: "pass" and "expected-fail" (both as
// expected), "unexpected", "infra".
std::string verdict_class(const nlohmann::json& cell);
std::string verdict_label(const std::string& verdict_class);

// What the filter matches a cell by, lowercased: its scenario, target, line,
// profile, verdict and findings.
std::string search_text(const nlohmann::json& cell);

// The ClientHellos of a run, each decoded once: cells name theirs by id.
class ClientHellos {
 public:
  // The id of `hello` (a cell's server.client_hello), added if new.
  std::string id_of(const nlohmann::json& hello);
  // Every table, each in a <template> its cells fill from.
  std::string templates() const;

 private:
  std::map<std::string, std::string> ids_;  // hello's JSON text -> id
  std::vector<std::string> tables_;
};

// The decoded ClientHello as a table.
std::string client_hello_table(const nlohmann::json& hello);

// The device log: the lines that back the finding (the failure's code, the
// alerts) with a few lines around them, the start and the end; the rest is
// counted, and the full log linked.
std::string log_excerpt(const nlohmann::json& cell);

// A link to a cell's file, relative to the report's folder when it lies
// below the same root.
std::string file_link(const std::string& path, const std::filesystem::path& report_dir, const std::string& text);

// The cell's <section id="c{index}">; `open` unfolds it.
std::string cell_section(const nlohmann::json& cell, size_t index, bool open, ClientHellos& hellos,
                         const std::filesystem::path& report_dir);

}  // namespace shakedown::report_html

#include "report_junit.h"

#include <fmt/format.h>

#include <map>
#include <pugixml.hpp>
#include <stdexcept>

#include "output_text.h"

namespace shakedown::runner {
namespace {

struct Counts {
  size_t tests = 0, failures = 0, errors = 0, skipped = 0;
  double seconds = 0;
  void add(const CellResult& r) {
    ++tests;
    failures += r.verdict == Verdict::kUnexpected;
    errors += r.verdict == Verdict::kInfrastructureError;
    seconds += r.seconds;
  }
  void add(const CellNotRun&) { ++tests, ++skipped; }
  void put(pugi::xml_node node) const {
    node.append_attribute("tests") = tests;
    node.append_attribute("failures") = failures;
    node.append_attribute("errors") = errors;
    node.append_attribute("skipped") = skipped;
    node.append_attribute("time") = fmt::format("{:.3f}", seconds).c_str();
  }
};

// "field/01-suite-mismatch" -> ("field", "01-suite-mismatch").
std::pair<std::string, std::string> split_name(const std::string& scenario) {
  const size_t slash = scenario.rfind('/');
  if (slash == std::string::npos) return {"scenarios", scenario};
  return {scenario.substr(0, slash), scenario.substr(slash + 1)};
}

std::string finding_text(const diagnosis::Finding& f) {
  std::string text = fmt::format("{}: {}\n", diagnosis::finding_name(f.id), f.summary);
  for (const auto& line : f.evidence) text += fmt::format("  - {}\n", line);
  text += fmt::format("fix: {}\n", f.fix);
  return text;
}

pugi::xml_node append_testcase(pugi::xml_node suite, const std::string& target, const std::string& scenario,
                               const std::string& mbedtls_line, const std::string& profile, double seconds) {
  const auto [folder, stem] = split_name(scenario);
  auto tc = suite.append_child("testcase");
  tc.append_attribute("classname") = valid_xml_text(fmt::format("{}.{}.{}", target, folder, stem)).c_str();
  tc.append_attribute("name") = valid_xml_text(fmt::format("Mbed TLS {} {}", mbedtls_line, profile)).c_str();
  tc.append_attribute("time") = fmt::format("{:.3f}", seconds).c_str();
  return tc;
}

void add_testcase(pugi::xml_node suite, const CellNotRun& c) {
  auto tc = append_testcase(suite, c.target, c.scenario, c.mbedtls_line, c.profile, 0);
  tc.append_child("skipped").append_attribute("message") =
      c.why.empty() ? "not run: the run was interrupted before this cell finished" : valid_xml_text(c.why).c_str();
}

void add_testcase(pugi::xml_node suite, const CellResult& r) {
  auto tc = append_testcase(suite, r.target, r.scenario, r.cell.mbedtls_line, r.cell.profile, r.seconds);
  const auto* primary = r.primary_finding();
  std::string findings;
  for (const auto& f : r.findings) findings += finding_text(f);
  if (r.verdict == Verdict::kUnexpected) {
    auto failure = tc.append_child("failure");
    failure.append_attribute("type") = "unexpected";
    failure.append_attribute("message") =
        valid_xml_text(primary != nullptr
                           ? fmt::format("{} [{}: {}]", r.why, diagnosis::finding_name(primary->id), primary->summary)
                           : r.why)
            .c_str();
    failure.text() = valid_xml_text(findings).c_str();
  } else if (r.verdict == Verdict::kInfrastructureError) {
    auto error = tc.append_child("error");
    error.append_attribute("type") = "infrastructure-error";
    error.append_attribute("message") = valid_xml_text(r.why).c_str();
  }
  std::string out = findings;
  if (!r.artifacts_dir.empty()) out += fmt::format("artifacts: {}\n", r.artifacts_dir.string());
  for (const auto& line : r.device_log) out += line + "\n";
  if (!out.empty()) tc.append_child("system-out").text() = valid_xml_text(out).c_str();
}

}  // namespace

void write_junit(const std::filesystem::path& path, const std::vector<CellResult>& results, bool interrupted,
                 const std::vector<CellNotRun>& not_run) {
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto root = doc.append_child("testsuites");
  root.append_attribute("name") = interrupted ? "shakedown (interrupted)" : "shakedown";

  // Suites in the order their first cell appears, cells not run last.
  std::vector<std::string> order;
  std::map<std::string, std::pair<std::vector<const CellResult*>, std::vector<const CellNotRun*>>> by_suite;
  auto suite_of = [&](const std::string& target, const std::string& scenario) -> auto& {
    const std::string key = fmt::format("{}.{}", target, split_name(scenario).first);
    if (!by_suite.contains(key)) order.push_back(key);
    return by_suite[key];
  };
  for (const auto& r : results) suite_of(r.target, r.scenario).first.push_back(&r);
  for (const auto& c : not_run) suite_of(c.target, c.scenario).second.push_back(&c);
  Counts all;
  for (const auto& r : results) all.add(r);
  for (const auto& c : not_run) all.add(c);
  all.put(root);
  for (const auto& key : order) {
    auto suite = root.append_child("testsuite");
    suite.append_attribute("name") = valid_xml_text(key).c_str();
    const auto& [ran, skipped] = by_suite[key];
    Counts counts;
    for (const auto* r : ran) counts.add(*r);
    for (const auto* c : skipped) counts.add(*c);
    counts.put(suite);
    for (const auto* r : ran) add_testcase(suite, *r);
    for (const auto* c : skipped) add_testcase(suite, *c);
  }
  const auto tmp = path.string() + ".tmp";
  if (!doc.save_file(tmp.c_str(), "  ", pugi::format_default, pugi::encoding_utf8)) {
    throw std::runtime_error(fmt::format("{}: cannot write", tmp));
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace shakedown::runner

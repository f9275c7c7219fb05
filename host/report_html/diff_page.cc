// `shakedown diff A B --html`: what a user judges by first (disagreements,
// cells only one run has), then what the scenarios declare differs, then
// details and the figures that differ by nature.

#include <fmt/format.h>

#include "html.h"
#include "report_html.h"

namespace shakedown::report_html {
namespace {

using nlohmann::json;

std::string differences(const json& comparison, const char* field, const std::string& title, const std::string& id,
                        const std::string& a, const std::string& b) {
  const json& rows = comparison.value(field, json::array());
  std::string out =
      fmt::format("<section id=\"{}\" data-count=\"{}\"><h2>{} ({})</h2>", id, rows.size(), escape(title), rows.size());
  if (rows.empty()) return out + "<p class=\"muted\">None.</p></section>";
  out += fmt::format("<table><tr><th>cell</th><th>field</th><th>{}</th><th>{}</th></tr>", escape(a), escape(b));
  for (const auto& d : rows) {
    out +=
        fmt::format("<tr><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", escape(text_of(d, "cell")),
                    escape(text_of(d, "field")), escape(text_of(d, "a")), escape(text_of(d, "b")));
  }
  return out + "</table></section>";
}

std::string cells_only_in(const json& comparison, const char* field, const std::string& run, const std::string& id) {
  const json& cells = comparison.value(field, json::array());
  if (cells.empty()) return "";
  std::string out =
      fmt::format("<section id=\"{}\" data-count=\"{}\"><h2>Cells only in {} ({})</h2><ul class=\"mono\">", id,
                  cells.size(), escape(run), cells.size());
  for (const auto& c : cells) out += "<li>" + escape(c.get<std::string>()) + "</li>";
  return out + "</ul></section>";
}

}  // namespace

std::string diff_page(const json& comparison, const std::string& a_name, const std::string& b_name) {
  const std::string a = text_of(comparison, "a_target", a_name), b = text_of(comparison, "b_target", b_name);
  const size_t disagreements = comparison.value("disagreements", json::array()).size();
  const size_t only =
      comparison.value("only_in_a", json::array()).size() + comparison.value("only_in_b", json::array()).size();
  const bool agree = disagreements == 0 && only == 0;
  std::string out = open_page("shakedown diff: " + a_name + " and " + b_name);
  out += fmt::format(
      "<header id=\"diff\" data-agree=\"{}\"><h1>shakedown diff</h1><dl class=\"facts\"><dt>first</dt><dd>{} "
      "<span class=\"mono\">{}</span></dd><dt>second</dt><dd>{} <span class=\"mono\">{}</span></dd>"
      "<dt>compared</dt><dd>{} cells</dd><dt>outcome</dt><dd class=\"status {}\">{}</dd></dl></header>",
      agree ? "yes" : "no", escape(a), a.find(a_name) == std::string::npos ? escape(a_name) : "", escape(b),
      b.find(b_name) == std::string::npos ? escape(b_name) : "", comparison.value("compared", 0),
      agree ? "v-pass" : "v-unexpected",
      agree ? "the runs agree on every cell's verdict, result and finding"
            : fmt::format("{} disagreements, {} cells only in one run", disagreements, only));
  out += differences(comparison, "disagreements", "Disagreements: verdict, result or finding", "disagreements", a, b);
  out += cells_only_in(comparison, "only_in_a", a, "only-in-first") +
         cells_only_in(comparison, "only_in_b", b, "only-in-second");
  out += differences(comparison, "declared_differences", "Differences the scenarios declare (both as expected)",
                     "declared", a, b);
  out += differences(comparison, "detail_differences", "Differences in detail: the same finding, another code",
                     "details", a, b);
  out +=
      differences(comparison, "expected_differences", "Figures (timing and memory differ by nature)", "figures", a, b);
  return out + close_page();
}

}  // namespace shakedown::report_html

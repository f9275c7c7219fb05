// `shakedown explain LOG --html`: each episode's findings (or candidates,
// with what tells them apart) beside the log lines each one cites, the
// timeline read from the log, and the log around those lines.

#include <fmt/format.h>

#include <set>

#include "html.h"
#include "report_html.h"

namespace shakedown::report_html {
namespace {

using nlohmann::json;

constexpr size_t kCitedContext = 2;  // log lines shown around a cited one

std::string log_line(const std::vector<std::string>& lines, size_t number) {
  std::string text = number >= 1 && number <= lines.size() ? lines[number - 1] : "";
  while (!text.empty() && (text.back() == '\r' || text.back() == '\n')) text.pop_back();
  return text;
}

std::string cited_lines(const json& numbers, const std::vector<std::string>& lines) {
  if (!numbers.is_array() || numbers.empty()) return "";
  std::string out = "<pre class=\"log cited\">";
  for (const auto& n : numbers) {
    const auto number = n.get<size_t>();
    out += fmt::format("<a class=\"ln\" href=\"#L{0}\">{0}</a>{1}\n", number, escape(log_line(lines, number)));
  }
  return out + "</pre>";
}

std::string explained_findings_html(const json& episode, const std::vector<std::string>& lines) {
  std::string out;
  const bool candidates = episode.value("candidates", false);
  out += candidates ? "<h3>Candidates, most likely first</h3>" : "<h3>Findings</h3>";
  if (episode.value("findings", json::array()).empty())
    out += "<p>No failure: the log shows a completed handshake.</p>";
  for (const auto& f : episode.value("findings", json::array())) {
    out += fmt::format("<div class=\"finding\" data-finding=\"{0}\"><div><span class=\"id mono\">{0}</span> {1}</div>",
                       escape(text_of(f, "id")), escape(text_of(f, "summary")));
    out += "<ul class=\"evidence\">";
    for (const auto& e : f.value("evidence", json::array())) out += "<li>" + escape(e.get<std::string>()) + "</li>";
    out += "</ul>";
    if (!text_of(f, "fix").empty()) out += "<div class=\"fix\"><b>Fix:</b> " + escape(text_of(f, "fix")) + "</div>";
    out += cited_lines(f.value("log_lines", json::array()), lines) + "</div>";
  }
  if (candidates && !text_of(episode, "tell_apart").empty()) {
    out += "<p><b>What tells them apart:</b> " + escape(text_of(episode, "tell_apart")) + "</p>";
  }
  if (episode.contains("code_candidates") && episode["code_candidates"].is_array()) {
    out += "<h3>The code's usual causes</h3><table><tr><th>cause</th><th>finding</th><th>it is this if</th></tr>";
    for (const auto& c : episode["code_candidates"]) {
      out += fmt::format("<tr><td>{}</td><td class=\"mono\">{}</td><td>{}</td></tr>", escape(text_of(c, "cause")),
                         escape(text_of(c, "finding", "—")), escape(text_of(c, "it_is_this_if")));
    }
    out += "</table>";
    if (!text_of(episode, "next_step").empty())
      out += "<p><b>Next:</b> " + escape(text_of(episode, "next_step")) + "</p>";
    if (!text_of(episode, "debug_output_how").empty()) {
      out +=
          "<p><b>Mbed TLS's debug output on this stack:</b> " + escape(text_of(episode, "debug_output_how")) + "</p>";
    }
  }
  for (const auto& note : episode.value("notes", json::array())) {
    out += "<p class=\"muted\">Note: " + escape(note.get<std::string>()) + "</p>";
  }
  return out;
}

std::string timeline_html(const json& episode) {
  const json& timeline = episode.value("timeline", json::array());
  if (timeline.empty()) return "";
  std::string out =
      "<h3>Timeline, as the log shows it</h3><table class=\"timeline\"><tr><th>line</th><th>kind</th><th>what it "
      "says</th></tr>";
  for (const auto& t : timeline) {
    out += fmt::format("<tr><td><a href=\"#L{0}\">{0}</a></td><td>{1}</td><td>{2}</td></tr>", t.value("line", 0),
                       escape(text_of(t, "kind")), escape(text_of(t, "text")));
  }
  return out + "</table>";
}

std::string result_html(const json& episode) {
  const json& r = episode.value("result", json::object());
  std::string out = "<dl class=\"facts\">";
  out += "<dt>Mbed TLS line</dt><dd>" + escape(text_of(episode, "mbedtls_line", "not shown")) + "</dd>";
  out += "<dt>failed call</dt><dd class=\"mono\">" + escape(text_of(r, "failed_call", "not shown")) + "</dd>";
  out += "<dt>code</dt><dd class=\"mono\">" + escape(text_of(r, "error_code", "none")) + "</dd>";
  out += "<dt>stage</dt><dd>" + escape(text_of(r, "stage", "not shown: the log has no debug output")) + "</dd>";
  return out + "</dl>";
}

// The log around every line the page cites, each line anchored #L<n>.
std::string log_html(const json& explanation, const std::vector<std::string>& lines) {
  std::set<size_t> cited;
  for (const auto& episode : explanation.value("episodes", json::array({explanation}))) {
    for (const auto& f : episode.value("findings", json::array())) {
      for (const auto& n : f.value("log_lines", json::array())) cited.insert(n.get<size_t>());
    }
    for (const auto& t : episode.value("timeline", json::array())) cited.insert(t.value("line", size_t{0}));
  }
  std::set<size_t> shown;
  for (size_t n : cited) {
    for (size_t k = n > kCitedContext ? n - kCitedContext : 1; k <= n + kCitedContext && k <= lines.size(); ++k)
      shown.insert(k);
  }
  std::string out = fmt::format(
      "<h2>The log</h2><p class=\"muted\">{} lines; shown: the {} the explanation cites, "
      "with {} around each.</p><pre class=\"log\">",
      grouped(static_cast<long long>(lines.size())), cited.size(), kCitedContext);
  size_t previous = 0;
  for (size_t n : shown) {
    if (n > previous + 1)
      out +=
          fmt::format("<span class=\"gap\">… {} lines …</span>\n", grouped(static_cast<long long>(n - previous - 1)));
    const std::string text =
        fmt::format("<span id=\"L{0}\"><span class=\"ln\">{0}</span>{1}</span>", n, escape(log_line(lines, n)));
    out += cited.contains(n) ? "<mark>" + text + "</mark>" : text + "\n";
    previous = n;
  }
  if (lines.size() > previous)
    out += fmt::format("<span class=\"gap\">… {} lines …</span>\n",
                       grouped(static_cast<long long>(lines.size() - previous)));
  return out + "</pre>";
}

}  // namespace

std::string explain_page(const json& explanation, const std::vector<std::string>& lines, const std::string& log_name) {
  std::string out = open_page("shakedown explain: " + log_name);
  out += fmt::format("<header id=\"explain\"><h1>shakedown explain</h1><p class=\"mono\">{}</p></header>",
                     escape(log_name));
  const json episodes = explanation.value("episodes", json::array({explanation}));
  for (size_t i = 0; i < episodes.size(); ++i) {
    out += "<section class=\"episode\">";
    if (episodes.size() > 1) {
      out += fmt::format("<h2>Episode {} of {}</h2>", i + 1, episodes.size());
    } else {
      out += "<h2>What went wrong</h2>";
    }
    out += result_html(episodes[i]) + explained_findings_html(episodes[i], lines) + timeline_html(episodes[i]) +
           "</section>";
  }
  out += log_html(explanation, lines);
  return out + close_page();
}

}  // namespace shakedown::report_html

#include "cell_view.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "html.h"
#include "ladder.h"

namespace shakedown::report_html {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr size_t kLogContext = 3;        // lines shown around a marked line
constexpr size_t kHead = 5, kTail = 25;  // the log's start and end, always shown
constexpr size_t kMaxLineChars = 300;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// A line behind the finding: it carries the failure's code, or an alert.
bool backs_finding(const std::string& line, const std::string& code) {
  const std::string l = lower(line);
  return (!code.empty() && l.find(code) != std::string::npos) || l.find("alert") != std::string::npos;
}

std::string expected_text(const json& cell) {
  const json& e = cell.value("expected", json::object());
  std::string out = text_of(e, "result", "?");
  if (e.contains("finding")) out += " with " + text_of(e, "finding");
  if (e.contains("error_code")) out += " (" + text_of(e, "error_code") + ")";
  return out;
}

std::string got_text(const json& cell) {
  if (cell.value("verdict", "") == "infrastructure-error") return "no result: the host could not do its part";
  std::string out = text_of(cell, "result", "?");
  if (!text_of(cell, "finding").empty()) out += " with " + text_of(cell, "finding");
  if (text_of(cell, "result") == "fail") {
    out += fmt::format(": {} returned {} ({}) at {}", text_of(cell, "failed_call"), text_of(cell, "error_code"),
                       text_of(cell, "error_name"), text_of(cell, "stage"));
  }
  return out;
}

std::string findings_html(const json& cell) {
  std::string out;
  for (const auto& f : cell.value("findings", json::array())) {
    out += fmt::format("<div class=\"finding\"><div><span class=\"id mono\">{}</span> {}</div>",
                       escape(text_of(f, "id")), escape(text_of(f, "summary")));
    if (f.contains("evidence") && f["evidence"].is_array() && !f["evidence"].empty()) {
      out += "<ul class=\"evidence\">";
      for (const auto& e : f["evidence"])
        out += "<li>" + escape(e.is_string() ? e.get<std::string>() : dumped(e)) + "</li>";
      out += "</ul>";
    }
    if (!text_of(f, "fix").empty()) out += "<div class=\"fix\"><b>Fix:</b> " + escape(text_of(f, "fix")) + "</div>";
    out += "</div>";
  }
  return out;
}

std::string price_row(const json& v, const char* what, const char* before, const char* after) {
  if (!v.contains(before) || v[before].is_null() || !v.contains(after) || v[after].is_null()) return "";
  const long long b = v[before].get<long long>(), a = v[after].get<long long>();
  return fmt::format("<tr><th>{}</th><td>{} B</td><td>{} B</td><td>{}{} B</td></tr>", what, grouped(b), grouped(a),
                     a >= b ? "+" : "", grouped(a - b));
}

std::string fix_verification_html(const json& cell) {
  if (!cell.contains("fix_verification")) return "";
  const json& v = cell["fix_verification"];
  std::string out = fmt::format(
      "<div class=\"verification\"><h3>The fix, tried on this cell</h3><p><span class=\"mono\">{}</span>: "
      "<b>{}</b>{}</p>",
      escape(text_of(v, "change")), escape(text_of(v, "outcome")),
      text_of(v, "finding").empty() ? "" : "; then " + escape(text_of(v, "finding")));
  const std::string rows = price_row(v, "flash", "flash_before", "flash_after") +
                           price_row(v, "RAM", "ram_before", "ram_after") +
                           price_row(v, "peak heap", "heap_before", "heap_after");
  if (!rows.empty()) {
    out += "<table class=\"price\"><tr><th>price</th><th>before</th><th>after</th><th>change</th></tr>" + rows +
           "</table>";
  }
  return out + "</div>";
}

std::string links_html(const json& cell, const fs::path& report_dir) {
  std::vector<std::string> links;
  const std::string artifacts = text_of(cell, "artifacts");
  if (!artifacts.empty()) links.push_back(file_link(artifacts + "/device.log", report_dir, "device log"));
  const json& server = cell.value("server", json::object());
  if (!text_of(server, "pcap").empty()) links.push_back(file_link(text_of(server, "pcap"), report_dir, "pcap"));
  if (!text_of(server, "key_log").empty())
    links.push_back(file_link(text_of(server, "key_log"), report_dir, "key log"));
  if (links.empty()) return "";
  std::string out = "<p class=\"links\">Files: ";
  for (size_t i = 0; i < links.size(); ++i) out += (i ? " · " : "") + links[i];
  return out + "</p>";
}

// Why a cell has no capture to draw, as far as the cell says.
std::string why_no_ladder(const json& cell) {
  const std::string stage = text_of(cell, "stage");
  if (stage == "load-trust" || stage == "setup") {
    return "No ladder: the device stopped before it connected (at " + stage + ").";
  }
  if (cell.value("verdict", "") == "infrastructure-error") return "No ladder: no connection was captured.";
  return "No ladder: shakedown's test server saw no connection for this cell (another server, or none reached).";
}

// The device's side of the ending, by its own clock, which the server's
// does not share: said beside the ladder, not drawn on its time axis.
std::string device_outcome(const json& cell) {
  if (!cell.contains("result")) return "";
  const std::string took =
      cell.contains("handshake_ms") && cell["handshake_ms"].is_number()
          ? fmt::format(" after {} ms by its own clock", grouped(cell["handshake_ms"].get<long long>()))
          : "";
  if (text_of(cell, "result") == "pass")
    return "<p class=\"device-outcome\">The device: handshake done" + took + ".</p>";
  return fmt::format("<p class=\"device-outcome\">The device: <span class=\"mono\">{}</span> returned {} ({}){}.</p>",
                     escape(text_of(cell, "failed_call")), escape(text_of(cell, "error_code")),
                     escape(text_of(cell, "error_name")), escape(took));
}

}  // namespace

std::string verdict_class(const json& cell) {
  const std::string verdict = cell.value("verdict", "");
  if (verdict == "unexpected") return "unexpected";
  if (verdict != "as-expected") return "infra";
  return cell.value("result", "") == "pass" ? "pass" : "expected-fail";
}

std::string verdict_label(const std::string& verdict_class) {
  if (verdict_class == "pass") return "as expected: passes";
  if (verdict_class == "expected-fail") return "as expected: fails";
  if (verdict_class == "unexpected") return "unexpected";
  return "infrastructure error";
}

std::string search_text(const json& cell) {
  std::string out =
      fmt::format("{} {} {} {} {}", text_of(cell, "scenario"), text_of(cell, "target"), text_of(cell, "mbedtls_line"),
                  text_of(cell, "profile"), verdict_label(verdict_class(cell)));
  for (const auto& f : cell.value("findings", json::array())) out += " " + text_of(f, "id");
  return lower(out);
}

std::string file_link(const std::string& path, const fs::path& report_dir, const std::string& text) {
  std::error_code ec;
  const fs::path target = fs::weakly_canonical(path, ec);
  const fs::path base = fs::weakly_canonical(report_dir, ec);
  fs::path relative = ec ? fs::path() : target.lexically_relative(base);
  const std::string href =
      !relative.empty() && relative.native().rfind("..", 0) != 0 ? relative.string() : "file://" + target.string();
  return fmt::format("<a href=\"{}\">{}</a>", escape(href), escape(text));
}

std::string log_excerpt(const json& cell) {
  const json& log = cell.value("device_log", json::array());
  if (!log.is_array() || log.empty()) return "<p class=\"muted\">The device logged nothing.</p>";
  // A passing cell's code is 0: nothing to mark by it.
  const std::string code = text_of(cell, "result") == "fail" ? lower(text_of(cell, "error_code")) : "";
  const size_t n = log.size();
  std::vector<bool> marked(n), shown(n);
  for (size_t i = 0; i < n; ++i) {
    const std::string line = log[i].is_string() ? log[i].get<std::string>() : "";
    marked[i] = backs_finding(line, code);
    if (i < kHead || i + kTail >= n) shown[i] = true;
  }
  for (size_t i = 0; i < n; ++i) {
    if (!marked[i]) continue;
    for (size_t j = i > kLogContext ? i - kLogContext : 0; j < std::min(n, i + kLogContext + 1); ++j) shown[j] = true;
  }
  std::string out = "<pre class=\"log\">";
  size_t skipped = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!shown[i]) {
      ++skipped;
      continue;
    }
    if (skipped > 0) out += fmt::format("<span class=\"gap\">… {} lines …</span>\n", grouped(skipped));
    skipped = 0;
    std::string line = log[i].is_string() ? log[i].get<std::string>() : "";
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (line.size() > kMaxLineChars) line = line.substr(0, kMaxLineChars) + " …";
    out += marked[i] ? "<mark>" + escape(line) + "</mark>" : escape(line) + "\n";  // a <mark> is a block
  }
  if (skipped > 0) out += fmt::format("<span class=\"gap\">… {} lines …</span>\n", grouped(skipped));
  return out + "</pre>";
}

std::string cell_section(const json& cell, size_t index, bool open, ClientHellos& hellos, const fs::path& report_dir) {
  const std::string v = verdict_class(cell);
  std::string out = fmt::format(
      "<section class=\"cell v-{0}\" id=\"c{1}\" data-verdict=\"{0}\" data-search=\"{2}\"><details{3}>"
      "<summary><span class=\"badge\">{4}</span> <b>{5}</b> · {6} · Mbed TLS {7} ({8}) · {9}{10}</summary>",
      v, index, escape(search_text(cell)), open ? " open" : "", verdict_label(v), escape(text_of(cell, "scenario")),
      escape(text_of(cell, "target")), escape(text_of(cell, "mbedtls_line")), escape(text_of(cell, "mbedtls")),
      escape(text_of(cell, "profile")),
      text_of(cell, "finding").empty() ? ""
                                       : " · <span class=\"mono\">" + escape(text_of(cell, "finding")) + "</span>");
  out += "<div class=\"cell-body\"><div>";
  out += fmt::format("<dl class=\"facts\"><dt>expected</dt><dd>{}</dd><dt>got</dt><dd>{}</dd>",
                     escape(expected_text(cell)), escape(got_text(cell)));
  if (!text_of(cell, "why").empty()) out += "<dt>why</dt><dd>" + escape(text_of(cell, "why")) + "</dd>";
  out += fmt::format("<dt>time</dt><dd>{:.2f} s, {} attempt{}</dd>", cell.value("seconds", 0.0),
                     cell.value("attempts", 1), cell.value("attempts", 1) == 1 ? "" : "s");
  if (const json& ran_on = cell.value("ran_on", json::object()); !ran_on.empty()) {
    out += fmt::format("<dt>ran on</dt><dd>{} at {}</dd>", escape(text_of(ran_on, "device")),
                       escape(text_of(ran_on, "host")));
  }
  if (!text_of(cell, "config_hash").empty()) {
    out += "<dt>config</dt><dd class=\"mono\">" + escape(text_of(cell, "config_hash")) + "</dd>";
  }
  out += "</dl>" + findings_html(cell) + fix_verification_html(cell) + links_html(cell, report_dir);
  out += "<h3>Device log</h3>" + log_excerpt(cell) + "</div><div>";
  const json& server = cell.value("server", json::object());
  const std::string ladder = ladder_svg(server);
  out += "<h3>On the wire, as the server saw it</h3>";
  out += ladder.empty() ? "<p class=\"muted\">" + escape(why_no_ladder(cell)) + "</p>" : ladder;
  out += device_outcome(cell);
  if (server.contains("client_hello")) {
    out += fmt::format("<h3>The device's ClientHello</h3><div data-hello=\"{}\"></div>",
                       hellos.id_of(server["client_hello"]));
  }
  return out + "</div></div></details></section>\n";
}

}  // namespace shakedown::report_html

// The pages from hand-made JSON: what each shows, in which order, escaped.
// The same pages from real runs, in a real browser: tests/report_html_test.py.

#include <catch2/catch.hpp>
#include <string>

#include "cell_view.h"
#include "html.h"
#include "ladder.h"
#include "report_html.h"

using namespace shakedown::report_html;
using nlohmann::json;

namespace {

// The field server's shape: the ClientHello in, a TCP reset back.
json reset_after_hello() {
  return json::parse(R"({
    "end": "failed-with-reset", "behaviour": "", "end_ms": 1.2, "client_reset": false,
    "records": [{"from": "client", "at_ms": 0.4, "type": "handshake", "length": 152, "encrypted": false}],
    "transcript": [{"from": "client", "type": "ClientHello", "length": 148, "record": 0, "at_ms": 0.4}],
    "alerts": []})");
}

json cell(const std::string& scenario, const std::string& verdict, const std::string& result, const json& server) {
  json c = {{"scenario", scenario},
            {"target", "sim"},
            {"mbedtls_line", "2.28"},
            {"mbedtls", "2.28.3"},
            {"profile", "field-2x"},
            {"config_hash", "5e35f475aa373d7e"},
            {"verdict", verdict},
            {"result", result},
            {"expected", {{"result", result}}},
            {"seconds", 0.01},
            {"attempts", 1},
            {"error_code", result == "fail" ? "-0x0050" : "0"},
            {"failed_call", "mbedtls_ssl_handshake"},
            {"stage", "handshake"},
            {"device_log", json::array()},
            {"findings", json::array()}};
  if (!server.is_null()) c["server"] = server;
  return c;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("the ladder of a server that resets after the ClientHello: the hello, then the reset") {
  const auto rows = ladder_rows(reset_after_hello());
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].what == "ClientHello");
  CHECK_FALSE(rows[0].from_server);
  CHECK(rows[0].label == "ClientHello · 148 B");
  CHECK(rows[1].kind == LadderRow::Kind::kEnd);
  CHECK(rows[1].what == "reset");
  CHECK(rows[1].from_server);
  const std::string svg = ladder_svg(reset_after_hello());
  CHECK(svg.find("data-what=\"ClientHello\"") < svg.find("data-what=\"reset\""));
}

TEST_CASE("the ladder shows each message of a record, the switch to encryption, alerts by name and a stall") {
  const json server = json::parse(R"({
    "end": "client-closed", "behaviour": "stalled 2000 ms before ServerHelloDone", "end_ms": 2110, "client_reset": true,
    "records": [
      {"from": "client", "at_ms": 0.3, "type": "handshake", "length": 152, "encrypted": false},
      {"from": "server", "at_ms": 1.0, "type": "handshake", "length": 3100, "encrypted": false},
      {"from": "server", "at_ms": 2005.0, "type": "handshake", "length": 4, "encrypted": false},
      {"from": "client", "at_ms": 2100.0, "type": "change_cipher_spec", "length": 1, "encrypted": false},
      {"from": "client", "at_ms": 2100.0, "type": "handshake", "length": 40, "encrypted": true},
      {"from": "server", "at_ms": 2101.0, "type": "alert", "length": 2, "encrypted": false}],
    "transcript": [
      {"from": "client", "type": "ClientHello", "length": 148, "record": 0, "at_ms": 0.3},
      {"from": "server", "type": "ServerHello", "length": 70, "record": 1, "at_ms": 1.0},
      {"from": "server", "type": "Certificate", "length": 2845, "record": 1, "at_ms": 1.0},
      {"from": "server", "type": "ServerHelloDone", "length": 0, "record": 2, "at_ms": 2005.0}],
    "alerts": [{"from": "server", "level": 2, "description": 20, "name": "bad_record_mac", "at_ms": 2101.0}]})");
  std::vector<std::string> labels;
  for (const auto& row : ladder_rows(server)) labels.push_back(row.label);
  CHECK(labels == std::vector<std::string>{"ClientHello · 148 B", "ServerHello · 70 B", "Certificate · 2,845 B",
                                           "2,004 ms without a byte", "ServerHelloDone · 0 B", "ChangeCipherSpec",
                                           "encrypted handshake · 40 B", "fatal alert: bad_record_mac",
                                           "device resets the connection (RST)"});
}

TEST_CASE("TLS 1.3 hides what its encrypted records carry, and the ladder does not guess") {
  json server = reset_after_hello();
  server["end"] = "handshake-done";
  server["records"].push_back(
      {{"from", "server"}, {"at_ms", 1.0}, {"type", "application_data"}, {"length", 700}, {"encrypted", true}});
  server["negotiated"] = {{"version", "TLSv1.3"}};
  CHECK(ladder_rows(server)[1].label == "encrypted record · 700 B");
  server["negotiated"] = {{"version", "TLSv1.2"}};
  CHECK(ladder_rows(server)[1].label == "application data · 700 B");
}

TEST_CASE("a message cut into many records is one arrow that counts them") {
  json server = reset_after_hello();
  server["end"] = "failed-with-alert";
  server["records"].push_back(
      {{"from", "server"}, {"at_ms", 1.0}, {"type", "handshake"}, {"length", 4}, {"encrypted", false}});
  server["transcript"].push_back(
      {{"from", "server"}, {"type", "Certificate"}, {"length", 2800}, {"record", 1}, {"at_ms", 1.0}});
  for (int i = 0; i < 700; ++i) {
    server["records"].push_back(
        {{"from", "server"}, {"at_ms", 1.1}, {"type", "handshake"}, {"length", 4}, {"encrypted", false}});
  }
  const auto rows = ladder_rows(server);
  REQUIRE(rows.size() == 4);
  CHECK(rows[1].label == "Certificate · 2,800 B");
  CHECK(rows[2].label == "handshake, continued · 700 records, 2,800 B");
  CHECK(rows[3].what == "close");
}

TEST_CASE("a cell without a capture has no ladder, and says why as far as the cell shows") {
  CHECK(ladder_rows(json()).empty());
  const json c = cell("field/01", "infrastructure-error", "fail", json());
  ClientHellos hellos;
  const std::string html = cell_section(c, 0, true, hellos, "/tmp");
  CHECK(html.find("<svg") == std::string::npos);
  CHECK(html.find("No ladder: the device stopped before it connected (at handshake)") == std::string::npos);
  CHECK(html.find("No ladder: no connection was captured.") != std::string::npos);
  json trust = cell("field/02", "as-expected", "fail", json());
  trust["stage"] = "load-trust";
  CHECK(cell_section(trust, 1, true, hellos, "/tmp").find("the device stopped before it connected (at load-trust)") !=
        std::string::npos);
}

TEST_CASE("the device log shows the lines behind the finding and counts what it leaves out") {
  json c = cell("field/01", "as-expected", "fail", reset_after_hello());
  for (int i = 0; i < 200; ++i) c["device_log"].push_back("ssl_msg.c:1835: => fetch input line " + std::to_string(i));
  c["device_log"][100] = "ssl_msg.c:1998: ssl->f_recv(_timeout)() returned -80 (-0x0050)";
  const std::string html = log_excerpt(c);
  CHECK(count(html, "<mark>") == 1);
  CHECK(html.find("<mark>ssl_msg.c:1998: ssl-&gt;f_recv(_timeout)() returned -80 (-0x0050)</mark>") !=
        std::string::npos);
  CHECK(html.find("line 0\n") != std::string::npos);    // the start
  CHECK(html.find("line 199\n") != std::string::npos);  // the end
  CHECK(html.find("line 50\n") == std::string::npos);   // the middle, counted instead
  CHECK(html.find("… 92 lines …") != std::string::npos);
}

TEST_CASE("a run's page holds every cell in the matrix and below it, with its verdict, and escapes what it quotes") {
  json results = json::array({cell("field/01", "as-expected", "fail", reset_after_hello()),
                              cell("field/01", "as-expected", "pass", reset_after_hello()),
                              cell("x/<script>alert(1)</script>", "unexpected", "fail", json())});
  results[1]["profile"] = "field-fixed";
  results[0]["server"]["client_hello"] = {{"cipher_suites", {"c02b", "c02c"}}, {"legacy_version", "0303"}};
  results[1]["server"]["client_hello"] = results[0]["server"]["client_hello"];
  const json document = {{"results", results},
                         {"summary", {{"cells", 3}, {"as_expected", 2}, {"unexpected", 1}, {"exit_status", 1}}}};
  const std::string page = run_page(document, "/tmp");
  CHECK(count(page, "<section class=\"cell") == 3);
  CHECK(count(page, "<td class=\"cell v-expected-fail\"") == 1);
  CHECK(count(page, "<td class=\"cell v-pass\"") == 1);
  CHECK(count(page, "<td class=\"cell v-unexpected\"") == 1);
  CHECK(page.find("<script>alert(1)") == std::string::npos);
  CHECK(page.find("x/&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(count(page, "<template id=\"hello-") == 1);  // one decoding for the two cells that sent it
  CHECK(page.find("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (0xc02b)") != std::string::npos);
  CHECK(page.find("1: a cell's outcome differs") != std::string::npos);
  CHECK(page.find("http://") == std::string::npos);  // nothing to fetch
  CHECK(page.find("https://") == std::string::npos);
}

TEST_CASE("bytes that are not UTF-8, from a device, anywhere in a cell: the page is still written") {
  json c = cell("field/01", "as-expected", "fail", reset_after_hello());
  const std::string junk = "\xff\xfe<\xc3";
  c["server"]["client_hello"] = {{"server_name", junk}, {"alpn", {junk}}, {"legacy_version", "0303"}};
  c["device_log"] = {junk, "returned -0x0050 " + junk};
  c["findings"] = {{{"id", junk}, {"summary", junk}, {"evidence", {junk, {{"x", junk}}}}, {"fix", junk}}};
  const json document = {{"results", {c, c}}, {"summary", {{"merged_from", {junk, {{"x", junk}}}}}}};
  std::string page;
  REQUIRE_NOTHROW(page = run_page(document, "/tmp"));
  CHECK(count(page, "<template id=\"hello-") == 1);
  CHECK(page.find("\xff\xfe&lt;") != std::string::npos);  // escaped, the bytes kept as they came
}

TEST_CASE("explain's page quotes the lines each finding cites, anchored in the log") {
  const json explanation = json::parse(R"({
    "findings": [{"id": "no-shared-ciphersuite", "summary": "s", "evidence": ["e"], "fix": "f", "log_lines": [3]}],
    "candidates": false, "timeline": [{"line": 1, "kind": "start", "text": "handshake"}], "result": {}})");
  const std::string page = explain_page(explanation, {"=> handshake", "b", "returned -0x0050", "d"}, "device.log");
  CHECK(page.find("<a class=\"ln\" href=\"#L3\">3</a>returned -0x0050") != std::string::npos);
  CHECK(page.find("<mark><span id=\"L3\">") != std::string::npos);
}

TEST_CASE("diff's page puts disagreements before declared differences, and those before figures") {
  const json comparison = json::parse(R"({"a_target": "sim", "b_target": "qemu", "compared": 2,
    "only_in_a": [], "only_in_b": [],
    "disagreements": [{"cell": "c1", "field": "finding", "a": "x", "b": "y"}],
    "declared_differences": [{"cell": "c2", "field": "result", "a": "pass", "b": "fail"}],
    "detail_differences": [], "expected_differences": [{"cell": "c2", "field": "handshake_ms", "a": "7", "b": "90"}]})");
  const std::string page = diff_page(comparison, "a.json", "b.json");
  CHECK(page.find("data-agree=\"no\"") != std::string::npos);
  CHECK(page.find("id=\"disagreements\"") < page.find("id=\"declared\""));
  CHECK(page.find("id=\"declared\"") < page.find("id=\"figures\""));
}

TEST_CASE("numbers are grouped as people read them, and text is escaped for elements and attributes") {
  CHECK(grouped(0) == "0");
  CHECK(grouped(999) == "999");
  CHECK(grouped(1000) == "1,000");
  CHECK(grouped(-1234567) == "-1,234,567");
  CHECK(escape(R"(<a href="x">'&'</a>)") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

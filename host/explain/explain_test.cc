// `shakedown explain` on logs as people post them. The corpus of logs our
// own targets write, and mangled variants of them, is checked end to end by
// tests/explain_corpus_test.sh.

#include "explain.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <regex>
#include <sstream>

using namespace shakedown::explain;
namespace tls = shakedown::tls;
using Catch::Matchers::Contains;

namespace {

Explanation explain_text(const std::string& text) {
  std::istringstream in(text);
  return explain(read_log(in, "test.log"));
}

std::vector<shakedown::diagnosis::FindingId> ids(const Explanation& e) {
  std::vector<shakedown::diagnosis::FindingId> out;
  for (const auto& f : e.findings) out.push_back(f.finding.id);
  return out;
}

// The field failure as a forum post shows it: ellipses for the path, no
// level markers, the application's own prints in between, clock at 0.
const char* const kForumFieldLog =
    "Connecting to tcp/cloud.example.com/443...ok\n"
    "…/Middlewares/Third_Party/mbedTLS/library/ssl_tls.c:6697: => handshake\n"
    "…/library/ssl_cli.c:3510: client state: 0\n"
    "…/library/ssl_cli.c:3510: client state: 1\n"
    "…/library/ssl_cli.c:0774: => write client hello\n"
    "…/library/ssl_cli.c:0812: client hello, max version: [3:3]\n"
    "…/library/ssl_cli.c:0709: client hello, current time: 0\n"
    "…/library/ssl_cli.c:0885: client hello, add ciphersuite: c02b\n"
    "…/library/ssl_cli.c:0885: client hello, add ciphersuite: c02c\n"
    "…/library/ssl_cli.c:0897: client hello, got 2 ciphersuites (excluding SCSVs)\n"
    "…/library/ssl_cli.c:0082: client hello, adding server name extension: cloud.example.com\n"
    "…/library/ssl_cli.c:3510: client state: 2\n"
    "…/library/ssl_cli.c:1503: => parse server hello\n"
    "…/library/ssl_msg.c:1859: ssl->f_recv(_timeout)() returned -80 (-0x0050)\n"
    "…/library/ssl_msg.c:4405: mbedtls_ssl_fetch_input() returned -80 (-0x0050)\n"
    "…/library/ssl_cli.c:1507: mbedtls_ssl_read_record() returned -80 (-0x0050)\n"
    "…/library/ssl_tls.c:6708: <= handshake\n"
    " failed\n"
    "  ! mbedtls_ssl_handshake returned -0x50\n";

}  // namespace

TEST_CASE("the field failure as a forum shows it: reset after the ClientHello, the two suites named, the likely "
          "cause and fix, the unset clock noted") {
  const Explanation e = explain_text(kForumFieldLog);
  const auto& r = e.facts.report;
  CHECK(e.facts.build.mbedtls_line == "2.28");
  CHECK(r.result == -0x50);
  CHECK(r.stage == tls::Stage::kHandshake);
  CHECK(r.handshake_state == 2);
  CHECK(r.offered_suites == std::vector<uint16_t>{0xc02b, 0xc02c});
  REQUIRE_FALSE(e.findings.empty());
  const auto& first = e.findings.front();
  CHECK(first.finding.id == shakedown::diagnosis::FindingId::kNoSharedCiphersuite);
  CHECK(first.finding.summary.find("reset the connection right after the ClientHello") != std::string::npos);
  CHECK(first.finding.summary.find("c02b") != std::string::npos);
  CHECK(first.finding.fix.find("MBEDTLS_SSL_CIPHERSUITES") != std::string::npos);
  // The evidence cites the suite lines and the final error line.
  CHECK(std::find(first.log_lines.begin(), first.log_lines.end(), 8) != first.log_lines.end());
  CHECK(std::find(first.log_lines.begin(), first.log_lines.end(), 19) != first.log_lines.end());
  // Other causes follow as candidates, the plain "reset" among them.
  const auto all = ids(e);
  CHECK(std::find(all.begin(), all.end(), shakedown::diagnosis::FindingId::kConnectionResetAfterClientHello) !=
        all.end());
  REQUIRE_FALSE(e.notes.empty());
  CHECK(e.notes.front().find("clock was never set") != std::string::npos);
  CHECK(e.facts.time == "unset");

  const auto json = to_json(e);
  CHECK(json["findings"][0]["id"] == "no-shared-ciphersuite");
  CHECK(json["result"]["error_code"] == "-0x0050");
  CHECK(json["client_hello"]["cipher_suites"].size() == 2);
  CHECK_FALSE(json["timeline"].empty());
}

TEST_CASE("the 'file.c(123):' form of a statement's place reads as 'file.c:123:' does") {
  const std::string parenthesised =
      std::regex_replace(kForumFieldLog, std::regex(R"(\.c:([0-9]+):)"), ".c($1):");
  REQUIRE(parenthesised.find("ssl_cli.c(3510): client state: 2") != std::string::npos);
  const Explanation e = explain_text(parenthesised);
  const Explanation colon = explain_text(kForumFieldLog);
  CHECK(e.facts.report.handshake_state == 2);
  CHECK(e.facts.report.offered_suites == std::vector<uint16_t>{0xc02b, 0xc02c});
  CHECK(e.facts.report.result == -0x50);
  CHECK(ids(e) == ids(colon));
  REQUIRE_FALSE(e.findings.empty());
  CHECK(e.findings.front().log_lines == colon.findings.front().log_lines);  // the same lines cited
}

TEST_CASE("a default client reset after its ClientHello is a plain reset first, not a suite problem") {
  std::string log;
  log = "ssl_tls.c:5804: => handshake\nssl_cli.c:4272: client state: 1\n";
  for (const char* s : {"0xc02b", "0xc02c", "0xc02f", "0xc030", "0xcca8", "0xcca9", "0x9c", "0x9d", "0xc023", "0xc027"}) {
    log += std::string("ssl_cli.c:1180: client hello, add ciphersuite: ") + s + " (TLS-SOMETHING)\n";
  }
  log += "ssl_cli.c:4272: client state: 2\nssl_cli.c:2044: mbedtls_ssl_read_record() returned -80 (-0x0050)\n";
  const Explanation e = explain_text(log);
  CHECK(e.facts.report.offered_suites.size() == 10);
  REQUIRE_FALSE(e.findings.empty());
  CHECK(e.findings.front().finding.id == shakedown::diagnosis::FindingId::kConnectionResetAfterClientHello);
}

TEST_CASE("level markers, timestamps, Windows paths, curly quotes and joined statements are read") {
  const std::string log =
      "[00:00:01.250] C:\\proj\\mbedtls\\library\\ssl_tls.c:6697: |2| => handshake\n"
      "[00:00:01.251] C:\\proj\\mbedtls\\library\\ssl_cli.c:3510: |2| client state: 1 "
      "ssl_cli.c:0885: |3| client hello, add ciphersuite: c02b\n"
      "I (1234) mbedtls: ssl_tls.c:1234 dumping ‘client hello, random bytes’ (0 bytes)\n"
      "ssl_tls.c:4681: <= handshake\n";
  LogFactsBuilder builder;
  std::vector<LogLine> lines;
  LogReader reader([&](const LogLine& l) {
    lines.push_back(l);
    builder.add(l);
  });
  reader.feed(log);
  reader.finish();
  REQUIRE(lines.size() == 6);  // "I (1234) mbedtls:" is the application's tag, kept as its own line
  CHECK(lines[0].file == "ssl_tls.c");
  CHECK(lines[0].text == "=> handshake");
  CHECK(lines[1].file == "ssl_cli.c");
  CHECK(lines[1].text == "client state: 1");
  CHECK(lines[2].number == 2);  // the joined statement keeps its physical line
  CHECK(lines[2].text == "client hello, add ciphersuite: c02b");
  CHECK(lines[3].from_mbedtls() == false);
  CHECK(lines[4].text == "dumping 'client hello, random bytes' (0 bytes)");
  const LogFacts facts = builder.finish();
  CHECK(facts.report.offered_suites == std::vector<uint16_t>{0xc02b});
  CHECK(facts.report.stage == tls::Stage::kDone);
}

TEST_CASE("a statement wrapped by a forum's line width is joined back") {
  const std::string log =
      "…/library/ssl_tls.c:6697: => handshake\n"
      "…/library/ssl_cli.c:0885: client hello, add\n"
      "ciphersuite: c02b\n"
      "…/library/ssl_cli.c:1507: mbedtls_ssl_read_record() returned -30592\n"
      "(-0x7780)\n";
  const Explanation e = explain_text(log);
  CHECK(e.facts.report.offered_suites == std::vector<uint16_t>{0xc02b});
  CHECK(e.facts.report.result == -0x7780);
}

TEST_CASE("the ClientHello is decoded from a record dump when the text lines are missing, with mangled columns") {
  // A TLS 1.2 ClientHello (one record): suites c02b c02c, SNI "a.test", supported_groups secp256r1.
  const std::string log =
      "ssl_tls.c:6697: => handshake\n"
      "ssl_cli.c:3510: client state: 1\n"
      "ssl_msg.c:2033: dumping 'output record sent to network' (77 bytes)\n"
      "ssl_msg.c:2033: 0000:  16 03 03 00 48 01 00 00 44 03 03 00 00 00 00 00  ....H...D.......\n"
      "ssl_msg.c:2033: 0010: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"  // ASCII column lost, spaces collapsed
      "ssl_msg.c:2033: 0020:  00 00 00 00 00 00 00 00 00 00 00 00 00 04 c0 2b  ...............+\n"
      "0030:  c0 2c 01 00 00 17 00 00 00 0b 00 09 00 00 06 61  .,.............a\n"  // its prefix lost
      "ssl_msg.c:2033: 0040:  2e 74 65 73 74 00 0a 00 04 00 02 00 17           .test........\n"
      "ssl_cli.c:3510: client state: 2\n"
      "  ! mbedtls_ssl_handshake returned -0x7780\n";
  const Explanation e = explain_text(log);
  REQUIRE(e.facts.log.client_hello);
  CHECK(e.facts.client_hello_from_dump);
  CHECK(e.facts.report.offered_suites == std::vector<uint16_t>{0xc02b, 0xc02c});
  CHECK(e.facts.log.client_hello->server_name == "a.test");
  CHECK(e.facts.log.client_hello->groups == std::vector<uint16_t>{0x0017});
  CHECK(e.facts.hostname == "a.test");
}

TEST_CASE("binary input and text without Mbed TLS output are refused with a clear message") {
  std::string binary(8192, '\0');
  for (size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>(i * 7 % 32);
  std::istringstream bin(binary);
  CHECK_THROWS_AS(read_log(bin, "blob.bin"), NotALog);
  std::istringstream prose("Hello,\nmy device does not connect. Any idea?\n");
  try {
    read_log(prose, "post.txt");
    FAIL("read a post without Mbed TLS output");
  } catch (const NotALog& e) {
    CHECK(std::string(e.what()).find("post.txt: no Mbed TLS debug output") != std::string::npos);
  }
}

TEST_CASE("a log with several attempts explains the last failure and says how many there were") {
  std::string one_pass = "ssl_tls.c:1: => handshake\nssl_cli.c:2: client state: 1\nssl_tls.c:3: <= handshake wrapup\n";
  std::string one_fail =
      "ssl_tls.c:1: => handshake\nssl_cli.c:2: client state: 2\n"
      "ssl_cli.c:3: mbedtls_ssl_read_record() returned -26624 (-0x6800)\n";
  const Explanation e = explain_text(one_fail + one_pass + one_pass);
  CHECK(e.facts.attempts == 3);
  CHECK(e.facts.report.result == -0x6800);
  REQUIRE_FALSE(e.findings.empty());
  CHECK(e.findings.front().finding.id == shakedown::diagnosis::FindingId::kHandshakeTimeout);
  CHECK(e.notes.back().find("3 handshake attempts") != std::string::npos);
}

TEST_CASE("a 3.6 ClientHello without supported_versions is said to offer TLS 1.2 only, never 1.0 or 1.1") {
  const Explanation e = explain_text(
      "ssl_tls.c:4670: => handshake\nssl_tls.c:4589: client state: MBEDTLS_SSL_CLIENT_HELLO\n"
      "ssl_client.c:0370: client hello, add ciphersuite: c02b, TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256\n"
      "ssl_tls.c:4589: client state: MBEDTLS_SSL_SERVER_HELLO\n"
      "ssl_msg.c:5274: got an alert message, type: [2:70]\n"
      "  ! mbedtls_ssl_handshake returned -0x7780\n");
  REQUIRE_FALSE(e.findings.empty());
  CHECK(e.findings.front().finding.id == shakedown::diagnosis::FindingId::kProtocolVersionMismatch);
  CHECK(e.findings.front().finding.summary.find("it offered TLS 1.2)") != std::string::npos);
  CHECK(to_text(e).find("TLS 1.0") == std::string::npos);
}

TEST_CASE("a bare code gives its usual causes in order and claims no state, stage or message") {
  const Explanation e = explain_text("E (4211) esp-tls-mbedtls: mbedtls_ssl_handshake returned -0x7280\n");
  CHECK(e.bare_code);
  CHECK(e.facts.report.result == -0x7280);
  REQUIRE(e.code_causes.size() >= 2);
  REQUIRE_FALSE(e.findings.empty());
  // The threads that settled -0x7280 mostly found a client certificate the server rejected.
  CHECK(e.findings.front().finding.id == shakedown::diagnosis::FindingId::kClientCertificateRequired);
  const std::string text = to_text(e);
  CHECK(text.find("espressif/esp-idf#2907") != std::string::npos);
  for (const char* claim : {"client state", "ClientHello", "after the handshake completed"}) {
    INFO(claim);
    CHECK(text.find(claim) == std::string::npos);
  }
  CHECK(text.find("To get it on ESP-IDF:") != std::string::npos);
  const auto json = to_json(e);
  CHECK(json["result"]["stage"].is_null());
  CHECK(json["result"]["handshake_state"].is_null());
  CHECK(json["code_candidates"].size() == e.code_causes.size());
}

TEST_CASE("a log with CR-only or CRLF line endings reads as with LF") {
  const Explanation lf = explain_text(kForumFieldLog);
  for (const std::string ending : {"\r", "\r\n"}) {
    std::string log;
    for (char c : std::string(kForumFieldLog)) log += c == '\n' ? ending : std::string(1, c);
    const Explanation other = explain_text(log);
    CHECK(other.facts.timeline.size() == lf.facts.timeline.size());
    REQUIRE_FALSE(other.findings.empty());
    CHECK(other.findings.front().finding.id == lf.findings.front().finding.id);
  }
}

TEST_CASE("'<= handshake' before the application's failing handshake is no completed handshake") {
  // Mbed TLS prints "<= handshake" when mbedtls_ssl_handshake fails too.
  const Explanation e = explain_text(
      "ssl_tls.c:1: => handshake\nssl_cli.c:2: client state: 11\nssl_tls.c:3: <= handshake\n"
      "  ! mbedtls_ssl_handshake returned -0x6600\n");
  CHECK(e.facts.report.stage == shakedown::tls::Stage::kHandshake);
  CHECK(to_text(e).find("after the handshake completed") == std::string::npos);
  CHECK(to_text(e).find("in client state 11") != std::string::npos);
}

TEST_CASE("the reproducer for the field log restricts the client to the logged suites and resets on failure") {
  const std::string yaml = reproducer_scenario(explain_text(kForumFieldLog), "field-from-log");
  CHECK(yaml.find("ciphersuites: [c02b, c02c]") != std::string::npos);
  CHECK(yaml.find("on_handshake_failure: reset") != std::string::npos);
  CHECK(yaml.find("time: unset") != std::string::npos);
  CHECK(yaml.find("finding: no-shared-ciphersuite") != std::string::npos);
  CHECK(yaml.find("mbedtls: [\"2.28\"]") != std::string::npos);
}

TEST_CASE("a firmware log whose printf lacks %zu (newlib-nano) still shows a record too large for the buffer") {
  const std::string log =
      "ssl_tls.c:4530: => handshake\n"
      "ssl_tls.c:4589: client state: MBEDTLS_SSL_SERVER_CERTIFICATE\n"
      "ssl_msg.c:3999: input record: msgtype = 22, version = [0x303], msglen = zu\n"
      "ssl_msg.c:2166: requesting more data than fits\n"
      "ssl_msg.c:5118: mbedtls_ssl_fetch_input() returned -28928 (-0x7100)\n"
      "  ! mbedtls_ssl_handshake returned -0x7100\n";
  const Explanation e = explain_text(log);
  CHECK(e.facts.build.mbedtls_line.empty());  // ssl_tls.c and ssl_msg.c are in both lines
  REQUIRE_FALSE(e.findings.empty());
  CHECK(e.findings.front().finding.id == shakedown::diagnosis::FindingId::kRecordTooLargeForInputBuffer);
  CHECK(e.findings.front().finding.fix.find("MBEDTLS_SSL_IN_CONTENT_LEN") != std::string::npos);
}

TEST_CASE("'not trusted' under a heap budget the core reports is most likely the heap, without it, the trust list") {
  const std::string tail =
      "ssl_tls.c:9954: x509_verify_cert() returned -9984 (-0x2700)\n"
      "  ! peer certificate verify flags 00000008\n"
      "  ! The certificate is not correctly signed by the trusted CA\n";
  const std::string squeezed = "ssl_tls.c:4589: client state: MBEDTLS_SSL_SERVER_CERTIFICATE\n" + tail +
                               "  ! heap: peak 22932 of a 26000-byte budget; arena 1048576\n"
                               "  ! mbedtls_ssl_handshake returned -0x2700\n";
  const Explanation e = explain_text(squeezed);
  CHECK(e.facts.report.heap_budget == 26000);
  CHECK(e.facts.report.heap_peak == 22932);
  CHECK(e.facts.build.heap_capacity == 1048576);
  REQUIRE(ids(e).size() >= 2);
  CHECK(ids(e)[0] == shakedown::diagnosis::FindingId::kHeapExhausted);
  CHECK(ids(e)[1] == shakedown::diagnosis::FindingId::kUntrustedCa);

  const Explanation plain = explain_text("ssl_tls.c:4589: client state: MBEDTLS_SSL_SERVER_CERTIFICATE\n" + tail +
                                         "  ! mbedtls_ssl_handshake returned -0x2700\n");
  REQUIRE_FALSE(plain.findings.empty());
  CHECK(ids(plain)[0] != shakedown::diagnosis::FindingId::kHeapExhausted);
}

TEST_CASE("TLS 1.3: alert 116 at the first read after a completed handshake is a missing client certificate") {
  // A product's log, cut to the lines that matter: the server asked for a
  // certificate, the client sent none, the handshake completed, and the
  // application's first read met the server's verdict.
  const std::string handshake =
      "ssl_tls.c:4670: => handshake\n"
      "ssl_tls.c:4589: client state: MBEDTLS_SSL_CERTIFICATE_REQUEST\n"
      "ssl_tls13_client.c:2334: got a certificate request\n"
      "ssl_tls.c:4589: client state: MBEDTLS_SSL_CLIENT_CERTIFICATE\n"
      "ssl_misc.h:1353: handshake state: 7 (MBEDTLS_SSL_CLIENT_CERTIFICATE) -> 11 (MBEDTLS_SSL_CLIENT_FINISHED)\n"
      "ssl_tls.c:4589: client state: MBEDTLS_SSL_HANDSHAKE_WRAPUP\n"
      "ssl_tls.c:4681: <= handshake\n"
      "app: connected, sending CONNECT\n";
  const Explanation rejected = explain_text(handshake +
                                            "ssl_msg.c:5989: => read\n"
                                            "ssl_msg.c:5274: got an alert message, type: [2:116]\n"
                                            "ssl_msg.c:5281: is a fatal alert message (msg 116)\n"
                                            "ssl_msg.c:6049: mbedtls_ssl_read_record() returned -30592 (-0x7780)\n"
                                            "mqtt: read failed\n");
  CHECK(rejected.facts.report.stage == tls::Stage::kExchange);
  CHECK(rejected.facts.report.failed_call == "mbedtls_ssl_read");
  REQUIRE_FALSE(rejected.findings.empty());
  CHECK(ids(rejected)[0] == shakedown::diagnosis::FindingId::kClientCertificateRequired);
  CHECK_THAT(to_text(rejected), Catch::Matchers::Contains("after the handshake completed"));
  CHECK_THAT(reproducer_scenario(rejected, "r"), Catch::Matchers::Contains("exchange: true"));

  // Or the first write met the server's reset, the alert unread: the same cause.
  const Explanation reset = explain_text(handshake +
                                         "ssl_msg.c:2377: ssl->f_send() returned -80 (-0x0050)\n"
                                         "ssl_msg.c:6236: mbedtls_ssl_write_record() returned -80 (-0x0050)\n"
                                         "  ! mbedtls_ssl_write returned -0x0050\n");
  CHECK(reset.facts.report.stage == tls::Stage::kExchange);
  CHECK(reset.facts.report.failed_call == "mbedtls_ssl_write");
  REQUIRE_FALSE(reset.findings.empty());
  CHECK(ids(reset)[0] == shakedown::diagnosis::FindingId::kClientCertificateRequired);
  // Where the log ends at the handshake, explain can only say what may follow.
  const Explanation ended = explain_text(handshake);
  CHECK(ended.findings.empty());
  REQUIRE(ended.notes.size() == 1);
  CHECK_THAT(ended.notes[0], Catch::Matchers::Contains("alert 116"));
  // The same handshake, then data read: the server accepted the client without a certificate.
  const Explanation accepted = explain_text(handshake + "ssl_msg.c:6273: <= read\n");
  CHECK(accepted.facts.report.passed());
  CHECK(accepted.findings.empty());
  CHECK(accepted.notes.empty());
}

TEST_CASE("a 3.x ClientHello without supported versions offered TLS 1.2 alone, and the reproducer says so") {
  // 3.x logs no "max version" line; only TLS 1.3 adds supported_versions.
  const std::string hello =
      "ssl_tls.c:4670: => handshake\n"
      "ssl_tls.c:4589: client state: MBEDTLS_SSL_CLIENT_HELLO\n"
      "ssl_client.c:0370: client hello, add ciphersuite: c02b, TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256\n";
  const std::string refused =
      "ssl_tls.c:4589: client state: MBEDTLS_SSL_SERVER_HELLO\n"
      "ssl_msg.c:5274: got an alert message, type: [2:70]\n"
      "ssl_tls.c:4681: <= handshake\n"
      "  ! mbedtls_ssl_handshake returned -0x7780\n";
  const Explanation tls12 = explain_text(hello + refused);
  REQUIRE(tls12.facts.log.client_hello);
  CHECK(tls12.facts.log.client_hello->legacy_version == 0x0303);
  REQUIRE_FALSE(tls12.findings.empty());
  CHECK(ids(tls12)[0] == shakedown::diagnosis::FindingId::kProtocolVersionMismatch);
  CHECK_THAT(reproducer_scenario(tls12, "r"), Catch::Matchers::Contains("  versions: [tls1.2]\n") &&
                                                  Catch::Matchers::Contains("server:\n  versions: [tls1.3]\n"));

  const Explanation tls13 = explain_text(hello + "ssl_tls13_client.c:0080: supported version: [3:4]\n" + refused);
  REQUIRE(tls13.facts.log.client_hello);
  CHECK(tls13.facts.log.client_hello->legacy_version == 0);
}

TEST_CASE("a certificate not yet valid by a clock the log does not show: a clock never set, or else the certificate") {
  const Explanation e = explain_text(
      "ssl_tls.c:4589: client state: MBEDTLS_SSL_SERVER_CERTIFICATE\n"
      "ssl_tls.c:9954: x509_verify_cert() returned -9984 (-0x2700)\n"
      "  ! peer certificate verify flags 00000200\n"
      "  ! The certificate validity starts in the future\n"
      "  ! mbedtls_ssl_handshake returned -0x2700\n");
  REQUIRE(ids(e).size() == 2);
  CHECK(ids(e)[0] == shakedown::diagnosis::FindingId::kCertNotYetValidClockUnset);
  CHECK(ids(e)[1] == shakedown::diagnosis::FindingId::kCertNotYetValid);
  // Nothing about a "correct" clock the log never showed.
  CHECK_THAT(e.findings[1].finding.summary, Catch::Matchers::StartsWith("Or:"));
  for (const auto& line : e.findings[1].finding.evidence) CHECK_THAT(line, !Catch::Matchers::Contains("clock read"));
  CHECK(to_json(e)["clock"].is_null());
}

TEST_CASE("the reproducer of each declared finding follows its declaration: its recipe, or a plain server") {
  using namespace shakedown::diagnosis;
  Explanation e = explain_text(kForumFieldLog);
  REQUIRE_FALSE(e.findings.empty());
  for (const auto& d : kFindingDeclarations) {
    INFO(d.name);
    e.findings.front().finding.id = d.id;
    const std::string yaml = reproducer_scenario(e, "row");
    const bool plain = yaml.find("does not say enough to rebuild the server behind `" + std::string(d.name) + "`") !=
                       std::string::npos;
    CHECK(plain == (d.reproducer.server == ServerRecipe::kNone));
    if (!d.reproducer.server_lines.empty()) CHECK_THAT(yaml, Contains(std::string(d.reproducer.server_lines)));
    if (!d.reproducer.client_lines.empty()) CHECK_THAT(yaml, Contains(std::string(d.reproducer.client_lines)));
    const char* result = d.severity == Severity::kWarning ? "pass" : "fail";
    CHECK_THAT(yaml, Contains(fmt::format("default-16k: {{result: {}, finding: {}}}", result, d.name)));
  }
}

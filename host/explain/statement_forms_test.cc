// The statement and application tables, a row at a time: a line as a
// device log has it, the row that must take it, and the fact it records.
// The Mbed TLS lines are copied from the device logs of the 2.28 and 3.6
// scenario cells and tests/data; the application lines not in any of them
// are x509_crt_verify_info()'s sentences and shakedown's core's prints
// with the core's "  ! " prefix. Every row of both tables needs a sample
// here, so a row that stops matching fails.

#include "statement_forms.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "log_reader.h"

using namespace shakedown::explain;
namespace tls = shakedown::tls;

namespace {

struct Sample {
  std::string_view form;                  // the name of the row that must take `line`
  std::vector<std::string_view> context;  // lines before it, read the same way
  std::string_view line;
  void (*check)(const Reading&);  // the fact recorded
};

// A physical log line through the reader's normalisation, then the table
// its kind goes to; what decided its last statement.
LineRead feed(Reading& reading, std::string_view raw, size_t number) {
  LineRead read;
  normalise_line(raw, number, [&](const LogLine& line) {
    read = read_line(line.from_mbedtls() ? statement_forms() : application_forms(), reading, line.text, line.number);
  });
  return read;
}

const auto& report(const Reading& r) {
  return r.current.report;
}
const auto& hello(const Reading& r) {
  REQUIRE(r.current.log.client_hello);
  return *r.current.log.client_hello;
}

// clang-format off
const std::vector<Sample> kSamples = {
    // Handshake progress.
    {"a handshake starts", {}, "ssl_tls.c:4670: => handshake",
     [](const Reading& r) { CHECK(r.attempts == 1); CHECK(r.current.timeline.back().text == "handshake starts"); }},
    {"application data read after the handshake", {"ssl_tls.c:4670: => handshake", "ssl_tls.c:4681: <= handshake"},
     "ssl_msg.c:6149: <= read", [](const Reading& r) { CHECK(r.current.read_after_handshake); }},
    {"the handshake ends", {"ssl_tls.c:5804: => handshake"}, "ssl_tls.c:5815: <= handshake",
     [](const Reading& r) { CHECK(r.current.handshake_completed); CHECK(report(r).stage == tls::Stage::kDone); }},
    {"the handshake is done", {"ssl_tls.c:5804: => handshake"}, "ssl_cli.c:4382: handshake: done",
     [](const Reading& r) { CHECK(r.current.handshake_completed); }},
    {"the handshake wraps up", {"ssl_tls.c:4670: => handshake"}, "ssl_tls.c:8365: <= handshake wrapup",
     [](const Reading& r) { CHECK(r.current.handshake_completed); }},
    {"a buffer dump", {}, "ssl_client.c:0487: dumping 'client hello, random bytes' (32 bytes)",
     [](const Reading& r) { REQUIRE(r.dump); CHECK(r.dump->name == "client hello, random bytes"); CHECK(r.dump->expected == 32); }},
    {"the client's handshake state", {}, "ssl_cli.c:4272: client state: 2",
     [](const Reading& r) { CHECK(report(r).handshake_state == 2); }},
    {"the client's handshake state", {}, "ssl_tls.c:4589: client state: MBEDTLS_SSL_SERVER_CERTIFICATE",
     [](const Reading& r) { CHECK(report(r).handshake_state == 3); }},
    // The ClientHello.
    {"a suite the ClientHello offers", {}, "ssl_cli.c:1180: client hello, add ciphersuite: 0xc02b (TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256)",
     [](const Reading& r) { CHECK(report(r).offered_suites == std::vector<uint16_t>{0xc02b}); CHECK(hello(r).cipher_suites.size() == 1); }},
    {"a suite the ClientHello offers", {}, "ssl_client.c:0370: client hello, add ciphersuite: c02c, TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384",
     [](const Reading& r) { CHECK(report(r).offered_suites == std::vector<uint16_t>{0xc02c}); }},
    {"the clock in the ClientHello", {}, "ssl_client.c:0724: client hello, current time: 1795997657",
     [](const Reading& r) { CHECK(r.current.time == "1795997657"); CHECK(r.current.log.clock_known); }},
    {"the clock in the ClientHello", {}, "ssl_cli.c:0901: client hello, current time: 0",
     [](const Reading& r) { CHECK(r.current.time == "unset"); }},
    {"the ClientHello's SNI", {}, "ssl_client.c:0041: client hello, adding server name extension: cloud.shakedown.test",
     [](const Reading& r) { CHECK(r.current.hostname == "cloud.shakedown.test"); CHECK(hello(r).server_name == "cloud.shakedown.test"); }},
    {"the ClientHello's highest version", {}, "ssl_cli.c:1051: client hello, max version: [3:3]",
     [](const Reading& r) { CHECK(hello(r).legacy_version == 0x0303); CHECK(r.current.build.tls1_2); }},
    {"a version in supported_versions", {}, "ssl_tls13_client.c:0080: supported version: [3:4]",
     [](const Reading& r) { CHECK(hello(r).supported_versions == std::vector<uint16_t>{0x0304}); CHECK(r.current.build.tls1_3); }},
    {"a group in supported_groups", {}, "ssl_client.c:0282: NamedGroup: secp256r1 ( 17 )",
     [](const Reading& r) { CHECK(hello(r).groups == std::vector<uint16_t>{0x17}); }},
    {"a signature algorithm offered", {}, "ssl_tls.c:9467: sent signature scheme [403] ecdsa_secp256r1_sha256",
     [](const Reading& r) { CHECK(hello(r).signature_algorithms.size() == 1); }},
    {"max_fragment_length asked for", {}, "ssl_cli.c:0539: client hello, adding max_fragment_length extension",
     [](const Reading& r) { CHECK(hello(r).max_fragment_length == -1); }},
    // Alerts and records.
    {"an alert received", {}, "ssl_msg.c:4698: got an alert message, type: [2:40]",
     [](const Reading& r) { REQUIRE(report(r).alerts_received.size() == 1); CHECK(report(r).alerts_received[0].description == 40); }},
    {"an alert sent", {}, "ssl_msg.c:5351: send alert level=2 message=42",
     [](const Reading& r) { REQUIRE(report(r).alerts_sent.size() == 1); CHECK(report(r).alerts_sent[0].description == 42); }},
    {"a record received", {}, "ssl_msg.c:3999: input record: msgtype = 22, version = [0x303], msglen = 2808",
     [](const Reading& r) { CHECK(report(r).records_received == 1); CHECK(report(r).largest_record_received == 2808); }},
    {"a record sent", {}, "ssl_msg.c:3031: output record: msgtype = 22, version = [3:3], msglen = 138",
     [](const Reading& r) { CHECK(report(r).records_sent == 1); CHECK(report(r).bytes_sent == 143); }},
    {"a handshake message's sizes", {}, "ssl_msg.c:3242: handshake message: msglen = 65, type = 2, hslen = 65",
     [](const Reading& r) { CHECK(r.current.log.largest_handshake_message == 65); }},
    // Certificate verification.
    {"the verify flags", {}, "ssl_tls.c:10054: ! Certificate verification flags 00000008",
     [](const Reading& r) { CHECK(report(r).verify_flags == 0x08); }},
    {"the verify flags", {"ssl_tls.c:10054: ! Certificate verification flags 00000008"}, "ssl_tls.c:2710: Certificate verification flags clear",
     [](const Reading& r) { CHECK(report(r).verify_flags == 0); }},
    {"no client certificate (TLS 1.2)", {}, "ssl_cli.c:4022: <= skip write certificate verify",
     [](const Reading& r) { CHECK(r.current.log.sent_no_certificate); }},
    {"no client certificate (TLS 1.3)", {}, "ssl_misc.h:1353: handshake state: 7 (MBEDTLS_SSL_CLIENT_CERTIFICATE) -> 11 (MBEDTLS_SSL_CLIENT_FINISHED)",
     [](const Reading& r) { CHECK(r.current.log.sent_no_certificate); }},
    // What does not fit.
    {"a record larger than the input buffer", {}, "ssl_msg.c:2166: requesting more data than fits",
     [](const Reading& r) { CHECK(r.current.log.input_overflow); }},
    {"a handshake message reassembled", {}, "ssl_msg.c:4790: Consume: waiting for more handshake fragments 2048/2807",
     [](const Reading& r) { CHECK(r.current.log.reassembling); }},
    {"a fragmented handshake message refused", {}, "ssl_msg.c:2979: TLS handshake fragmentation not supported",
     [](const Reading& r) { CHECK(r.current.log.fragmentation_unsupported); }},
    {"a handshake message too short", {}, "ssl_msg.c:3234: handshake message too short: 1",
     [](const Reading& r) { CHECK(r.current.log.message_too_short); }},
    // The server's certificates and requests.
    {"a certificate request", {}, "ssl_tls13_client.c:2383: got a certificate request",
     [](const Reading& r) { CHECK(r.current.log.certificate_requested); }},
    {"a CertificateRequest's extension", {}, "ssl_tls13_generic.c:1628: CertificateRequest: signature_algorithms(13) extension received.",
     [](const Reading& r) { CHECK(r.current.log.certificate_requested); }},
    {"a peer certificate; its lines follow", {}, "ssl_tls.c:7899: peer certificate #1:",
     [](const Reading& r) { CHECK(r.in_certificate); REQUIRE(r.cert); CHECK(r.cert->depth == 0); }},
    // The ServerHello.
    {"the suite the ServerHello chose", {}, "ssl_tls12_client.c:1390: server hello, chosen ciphersuite: c02b",
     [](const Reading& r) { CHECK(report(r).suite_id == 0xc02b); }},
    {"the suite the ServerHello chose", {}, "ssl_cli.c:2276: server hello, chosen ciphersuite: TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256",
     [](const Reading& r) { CHECK(report(r).suite == "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256"); }},
    {"TLS 1.3 chosen", {}, "ssl_tls13_generic.c:1628: ServerHello: supported_versions(43) extension received.",
     [](const Reading& r) { CHECK(report(r).version == "TLSv1.3"); }},
    // Heap and results.
    {"an allocation failed", {}, "ssl_tls.c:3867: alloc(16717 bytes) failed",
     [](const Reading& r) { CHECK(r.current.lines.count(Fact::kHeap) == 1); }},
    {"a call's error code", {}, "ssl_tls.c:8048: mbedtls_ssl_read_record() returned -28928 (-0x7100)",
     [](const Reading& r) { CHECK(report(r).result == -0x7100); CHECK(report(r).failed_call == "mbedtls_ssl_read_record"); }},
    {"a call's byte count", {}, "ssl_msg.c:2377: ssl->f_send() returned 143 (-0xffffff71)",
     [](const Reading& r) { CHECK_FALSE(r.current.result_known); }},
    // What client programs print.
    {"a verify sentence", {}, "  ! The certificate validity has expired",
     [](const Reading& r) { CHECK(report(r).verify_flags == 0x01); }},
    {"a verify sentence", {}, "  ! The certificate has been revoked (is on a CRL)",
     [](const Reading& r) { CHECK(report(r).verify_flags == 0x02); }},
    {"a verify sentence", {}, "  ! The certificate Common Name (CN) does not match with the expected CN",
     [](const Reading& r) { CHECK(report(r).verify_flags == 0x04); }},
    {"a verify sentence", {}, "  ! The certificate is not correctly signed by the trusted CA",
     [](const Reading& r) { CHECK(report(r).verify_flags == 0x08); }},
    {"a verify sentence", {}, "  ! Certificate was missing",
     [](const Reading& r) { CHECK(report(r).verify_flags == 0x40); }},
    {"a verify sentence", {}, "  ! Certificate verification was skipped",
     [](const Reading& r) { CHECK(report(r).verify_flags == 0x80); }},
    {"a verify sentence", {}, "  ! The certificate validity starts in the future",
     [](const Reading& r) { CHECK(report(r).verify_flags == 0x200); }},
    {"a verify sentence", {}, "  ! Usage does not match the keyUsage extension",
     [](const Reading& r) { CHECK(report(r).verify_flags == 0x800); }},
    {"a verify sentence", {}, "  ! Usage does not match the extendedKeyUsage extension",
     [](const Reading& r) { CHECK(report(r).verify_flags == 0x1000); }},
    {"a verify sentence", {}, "  ! The certificate is signed with an unacceptable hash.",
     [](const Reading& r) { CHECK(report(r).verify_flags == 0x4000); }},
    {"a verify sentence", {}, "  ! The certificate is signed with an unacceptable PK alg (eg RSA vs ECDSA).",
     [](const Reading& r) { CHECK(report(r).verify_flags == 0x8000); }},
    {"a verify sentence", {}, "  ! The certificate is signed with an unacceptable key (eg bad curve, RSA too short).",
     [](const Reading& r) { CHECK(report(r).verify_flags == 0x10000); }},
    {"a verify sentence", {}, "E (6512) esp-x509-crt-bundle: No matching trusted root certificate found",
     [](const Reading& r) { CHECK(report(r).verify_flags == 0x08); }},
    {"the verify flags by name", {}, "* Cert verify failed: BADCERT_EXPIRED, BADCERT_CN_MISMATCH",
     [](const Reading& r) { CHECK(report(r).verify_flags == (0x01 | 0x04)); }},
    {"the sample client's handshake done", {}, "  . Performing the SSL/TLS handshake... ok",
     [](const Reading& r) { CHECK(report(r).result == 0); CHECK(r.current.result_known); }},
    {"the verify flags as the core prints them", {}, "  ! peer certificate verify flags 00000008",
     [](const Reading& r) { CHECK(report(r).verify_flags == 0x08); }},
    {"trust certificates that did not parse", {}, "  ! mbedtls_x509_crt_parse: 1 certificates of the trust chain skipped",
     [](const Reading& r) { CHECK(report(r).trust_parse_failures == 1); }},
    {"the heap's peak and budget", {}, "  ! heap: peak 22932 of a 26000-byte budget; arena 1048576",
     [](const Reading& r) { CHECK(report(r).heap_peak == 22932); CHECK(report(r).heap_budget == 26000); CHECK(r.current.build.heap_capacity == 1048576); }},
    {"the application's failing call", {"ssl_tls.c:4670: => handshake"}, "  ! mbedtls_ssl_handshake returned -0x7100",
     [](const Reading& r) { CHECK(report(r).result == -0x7100); CHECK(r.current.result_from_application); }},
};
// clang-format on

}  // namespace

TEST_CASE("each statement form takes its sample line and records its fact") {
  for (const Sample& sample : kSamples) {
    INFO(sample.line);
    Reading reading;
    size_t number = 0;
    for (std::string_view line : sample.context) feed(reading, line, ++number);
    const LineRead read = feed(reading, sample.line, ++number);
    REQUIRE(read.form != nullptr);
    CHECK(read.form->name == sample.form);
    CHECK(read.take == Take::kTaken);
    sample.check(reading);
  }
}

TEST_CASE("every row of the statement and application tables has a sample") {
  std::set<const LineForm*> sampled;
  for (const Sample& sample : kSamples) {
    Reading reading;
    size_t number = 0;
    for (std::string_view line : sample.context) feed(reading, line, ++number);
    sampled.insert(feed(reading, sample.line, ++number).form);
  }
  for (auto forms : {statement_forms(), application_forms()}) {
    for (const LineForm& form : forms) {
      INFO(form.name << " (" << form.pattern << ")");
      CHECK(sampled.count(&form) == 1);
    }
  }
}

TEST_CASE("the first row that matches decides, and a matched line without its value goes no further") {
  Reading reading;
  // "<= read" before a completed handshake is no row's: the scan ends without one.
  CHECK(feed(reading, "ssl_msg.c:6149: <= read", 1).form == nullptr);
  // A state with no number or name is malformed: later rows ("returned") are not tried.
  const LineRead read = feed(reading, "ssl_cli.c:4272: client state: returned -1", 2);
  REQUIRE(read.form != nullptr);
  CHECK(read.form->name == "the client's handshake state");
  CHECK(read.take == Take::kMalformed);
  CHECK_FALSE(reading.current.result_known);
}

// Error codes in the words of the stacks that wrap Mbed TLS, one line each,
// as their sources print them (tests/data/forms/README.md names the source
// of each form).

#include "error_in_text.h"

#include <catch2/catch.hpp>

using namespace shakedown::explain;

namespace {

int32_t code_in(std::string_view line) {
  const auto found = find_error_in_text(line);
  INFO(line);
  REQUIRE(found);
  return found->code;
}

}  // namespace

TEST_CASE("every stack's form of an error code reads as the Mbed TLS code it prints") {
  CHECK(code_in("E (17826) aws_iot: failed! mbedtls_ssl_handshake returned -0x7200") == -0x7200);
  CHECK(code_in("mbedtls_ssl_setup() failed: -0x7f00 (-32512): SSL - Memory allocation failed") == -0x7f00);
  CHECK(code_in("[E][ssl_client.cpp:36] _handle_error(): [start_ssl_client():260]: (-9984) X509 - Certificate "
                "verification failed, e.g. CRL, CA or signature check failed") == -0x2700);
  CHECK(code_in("Reason:[-0x7f00]") == -0x7f00);
  CHECK(code_in("OSError: (-29312, 'MBEDTLS_ERR_SSL_CONN_EOF')") == -0x7280);
  CHECK(code_in("OSError: -29312") == -0x7280);
  CHECK(code_in("[00:00:05.120,000] <err> net_sock_tls: TLS handshake error: -0x2700") == -0x2700);
  CHECK(code_in("* ssl_handshake returned - mbedTLS: (-0x2700) X509 - Certificate verification failed") == -0x2700);
  CHECK(code_in("00> mbedtls_ssl_handshake returned -0x262e") == -0x262e);
  CHECK(code_in("SSL - The connection indicated an EOF: MBEDTLS_ERR_SSL_CONN_EOF") == -0x7280);
}

TEST_CASE("a failure said in words, without a code, reads as Mbed TLS's code for it, marked as not shown") {
  for (const auto& [line, code] :
       {std::pair{"<err> net_sock_tls: TLS handshake timeout", -0x6800}, std::pair{"MemoryError: ", -0x7f00},
        std::pair{"OSError: [Errno 12] ENOMEM", -0x7f00},
        std::pair{"Func:on_io_recv Line:338 Tlsio_Failure: encountered unknow connection "
                  "issue, the connection will be restarted.",
                  -0x6800}}) {
    INFO(line);
    const auto found = find_error_in_text(line);
    REQUIRE(found);
    CHECK(found->code == code);
    CHECK_FALSE(found->code_shown);
    CHECK_FALSE(found->said.empty());
  }
}

TEST_CASE("MicroPython's OSError with an unnamed small number reads as a low-level code, and as maybe an errno") {
  const auto found = find_error_in_text("OSError: 16");
  REQUIRE(found);
  CHECK(found->code == -0x10);
  CHECK(found->also.find("errno 16") != std::string::npos);
  // Named errnos are the socket's ("[Errno 104] ECONNRESET"); 128 is no valid code.
  CHECK_FALSE(find_error_in_text("OSError: [Errno 104] ECONNRESET"));
  CHECK_FALSE(find_error_in_text("OSError: 128"));
}

TEST_CASE("a number that reads two ways is read as the valid Mbed TLS code") {
  // Zephyr and MicroPython releases that print "-%x": hex digits without 0x.
  CHECK(code_in("<err> net_sock_tls: TLS handshake error: -2700") == -0x2700);
  CHECK(code_in("mbedtls_ssl_handshake error: -7200") == -0x7200);
  // Those stacks never print decimal, so digits that read both ways are hex there.
  CHECK(code_in("<err> net_sock_tls: TLS handshake error: -50") == -0x50);
  CHECK(code_in("<err> net_sock_tls: TLS handshake error: -10") == -0x10);
  // Elsewhere decimal, when decimal is valid.
  CHECK(code_in("TLS handshake failed: -80") == -0x50);
  CHECK(code_in("TLS handshake failed: -9984") == -0x2700);
}

TEST_CASE("the call a line names and whether it speaks of the handshake are kept") {
  const auto found = find_error_in_text("mbedtls_ssl_handshake() failed: -0x2700 (-9984): X509 - Certificate");
  REQUIRE(found);
  CHECK(found->call == "mbedtls_ssl_handshake");
  CHECK(found->handshake);
  const auto bare = find_error_in_text("Reason:[-0x7f00]");
  REQUIRE(bare);
  CHECK(bare->call.empty());
  CHECK_FALSE(bare->handshake);
}

TEST_CASE("lines without an Mbed TLS error code are not read as one") {
  for (const char* line : {"I (1234) wifi: connected, rssi -67", "heap free: 12345", "tls: connecting to 10.0.0.1:8883",
                           "E (17826) aws_iot: (1234) timeout", "temperature -12.5 C",
                           "esp-tls: Failed to open new connection", "MQTT_EVENT_ERROR type 1, code -1"}) {
    INFO(line);
    CHECK_FALSE(find_error_in_text(line));
  }
}

TEST_CASE("a valid code has parts the headers define") {
  CHECK(valid_error_code(0x262e));
  CHECK(valid_error_code(0x7200));
  CHECK(valid_error_code(0x0050));
  CHECK(valid_error_code(0x4310));
  CHECK_FALSE(valid_error_code(0x1c20));  // decimal 7200
  CHECK_FALSE(valid_error_code(0x0a8c));  // decimal 2700
  CHECK_FALSE(valid_error_code(0x0080));
  CHECK_FALSE(valid_error_code(0x9984));
  CHECK_FALSE(valid_error_code(0));
}

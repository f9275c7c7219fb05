// The error names as the line's own headers give them (the newest line: these
// codes are the same in 2.28 and 3.6).

#include "shakedown/mbedtls_errors/error_names.h"

#include <catch2/catch.hpp>
#include <string>

namespace {

using namespace shakedown::mbedtls_errors;

std::string name_of(int32_t code) {
  char out[160];
  format_error_name(code, out, sizeof out);
  return out;
}

}  // namespace

TEST_CASE("a code part is named from the line's headers") {
  CHECK(error_part_name(0x0050) == "MBEDTLS_ERR_NET_CONN_RESET");
  CHECK(error_part_name(0x7780) == "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE");
  CHECK(error_part_name(0x001b).empty());  // no line defines it
}

TEST_CASE("a plain code is named alone") {
  CHECK(name_of(-0x0050) == "MBEDTLS_ERR_NET_CONN_RESET");
  CHECK(name_of(-0x2700) == "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED");
}

TEST_CASE("a composed code names its high and low parts") {
  CHECK(name_of(-0x262e) == "MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG + MBEDTLS_ERR_OID_NOT_FOUND");
  CHECK(name_of(-0x261b) == "MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG + UNKNOWN(-0x001b)");
}

TEST_CASE("success and codes outside the scheme") {
  CHECK(name_of(0).empty());
  CHECK(name_of(5).empty());
  CHECK(name_of(-0x9999) == "UNKNOWN(-0x9999)");
}

TEST_CASE("the name is cut to the buffer and NUL-terminated") {
  char out[8];
  format_error_name(-0x0050, out, sizeof out);
  CHECK(std::string(out) == "MBEDTLS");
  char untouched = 'x';
  format_error_name(-0x0050, &untouched, 0);
  CHECK(untouched == 'x');
}

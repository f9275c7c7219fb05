// The suite names the host prints come from shakedown-tls's plain table; the
// test servers speak OpenSSL. This holds the two together, id by id.

#include <openssl/ssl.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "openssl_ptr.h"
#include "shakedown/tls/alert.h"
#include "shakedown/tls/cipher_suite.h"

namespace {

using namespace shakedown::servers;
using namespace shakedown::tls;

TEST_CASE("every suite id is named as OpenSSL names it, and no other id is named") {
  SslCtxPtr ctx(SSL_CTX_new(TLS_method()));
  SSL_CTX_set_security_level(ctx.get(), 0);
  REQUIRE(SSL_CTX_set_cipher_list(ctx.get(), "ALL:COMPLEMENTOFALL") == 1);
  SslPtr ssl(SSL_new(ctx.get()));
  int known = 0;
  for (uint32_t id = 0; id <= 0xffff; ++id) {
    const unsigned char bytes[2] = {static_cast<unsigned char>(id >> 8), static_cast<unsigned char>(id & 0xff)};
    const SSL_CIPHER* c = SSL_CIPHER_find(ssl.get(), bytes);
    const CipherSuite* suite = cipher_suite(static_cast<uint16_t>(id));
    if (c == nullptr) {
      if (suite != nullptr) FAIL_CHECK("OpenSSL does not know " << suite->openssl_name);
      continue;
    }
    ++known;
    const char* standard = SSL_CIPHER_standard_name(c);
    INFO("suite " << id);
    REQUIRE(suite != nullptr);
    CHECK(suite->id == id);
    CHECK(suite->openssl_name == SSL_CIPHER_get_name(c));
    CHECK(suite->iana_name == (standard != nullptr ? standard : ""));
  }
  CHECK(known > 100);
}

TEST_CASE("the signalling values are not suites") {
  CHECK(is_signalling_suite(0x00ff));
  CHECK(is_signalling_suite(0x5600));
  CHECK_FALSE(is_signalling_suite(0xc02b));
  CHECK(cipher_suite(0x5600)->iana_name == "TLS_FALLBACK_SCSV");
}

TEST_CASE("handshake messages are named as before") {
  CHECK(std::string(handshake_type_name(2)) == "ServerHello");
  CHECK(std::string(handshake_type_name(99)) == "handshake message");
}

}  // namespace

#include <catch2/catch.hpp>
#include <set>

#include "shakedown/tls/alert.h"
#include "shakedown/tls/cipher_suite.h"
#include "shakedown/tls/mbedtls_line.h"
#include "shakedown/tls/named_group.h"
#include "shakedown/tls/signature_scheme.h"
#include "shakedown/tls/stage.h"
#include "shakedown/tls/version.h"

namespace {

using namespace shakedown::tls;

TEST_CASE("each spelling of a version parses back to it") {
  for (Version v : all_versions()) {
    CHECK(version_from_wire(wire_id(v)) == v);
    CHECK(parse_version(config_name(v)) == v);
    CHECK(parse_version(mbedtls_name(v)) == v);
    CHECK(parse_version(openssl_name(v)) == v);
    CHECK(parse_version(prose_name(v)) == v);
  }
  CHECK(all_versions().size() == 4);
}

TEST_CASE("scenario files take only the scenario spelling") {
  CHECK(parse_config_name("tls1.0") == Version::kTls1_0);
  CHECK(parse_config_name("tls1.3") == Version::kTls1_3);
  CHECK_FALSE(parse_config_name("TLSv1.2").has_value());
  CHECK_FALSE(parse_config_name("TLS 1.2").has_value());
}

TEST_CASE("versions are spelt as scenarios, Mbed TLS, OpenSSL and findings spell them") {
  CHECK(config_name(Version::kTls1_2) == "tls1.2");
  CHECK(mbedtls_name(Version::kTls1_0) == "TLSv1.0");
  CHECK(openssl_name(Version::kTls1_0) == "TLSv1");
  CHECK(openssl_name(Version::kTls1_3) == "TLSv1.3");
  CHECK(prose_name(Version::kTls1_1) == "TLS 1.1");
  CHECK(wire_id(Version::kTls1_3) == 0x0304);
  CHECK(Version::kTls1_0 < Version::kTls1_3);
}

TEST_CASE("an unknown version has no name, and its wire id is printed") {
  CHECK_FALSE(version_from_wire(0x0300).has_value());  // SSL 3.0
  CHECK_FALSE(parse_version("tls1.4").has_value());
  CHECK_FALSE(parse_version("TLS1.2").has_value());
  CHECK_FALSE(parse_version("").has_value());
  CHECK(prose_name(uint16_t{0x0303}) == "TLS 1.2");
  CHECK(prose_name(uint16_t{0x7f17}) == "0x7f17");
  CHECK(mbedtls_name(uint16_t{0x0301}) == "TLSv1.0");
  CHECK(mbedtls_name(uint16_t{0x0a0a}) == "0x0a0a");
}

TEST_CASE("cipher suites carry OpenSSL's and IANA's names") {
  const CipherSuite* s = cipher_suite(0xc02b);
  REQUIRE(s != nullptr);
  CHECK(s->openssl_name == "ECDHE-ECDSA-AES128-GCM-SHA256");
  CHECK(s->iana_name == "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
  CHECK_FALSE(s->signalling);
  const CipherSuite* tls13 = cipher_suite(0x1301);
  REQUIRE(tls13 != nullptr);
  CHECK(tls13->openssl_name == "TLS_AES_128_GCM_SHA256");
  CHECK(cipher_suite(0x0a0a) == nullptr);  // GREASE
  CHECK(cipher_suite(0xffff) == nullptr);
}

TEST_CASE("a suite reads from its id, IANA, OpenSSL and Mbed TLS names, and prints by IANA name and id") {
  for (std::string_view text :
       {"c030", "0xc030", "0xC0,0x30", "0xc0, 0x30", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384", "TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384", "ecdhe-rsa-aes256-gcm-sha384"}) {
    INFO(text);
    CHECK(parse_cipher_suite(text) == uint16_t{0xc030});
  }
  CHECK(parse_cipher_suite("TLS1-3-AES-128-CCM-8-SHA256") == uint16_t{0x1305});
  CHECK(parse_cipher_suite("TLS-ECDHE-ECDSA-WITH-AES-128-CCM-8") == uint16_t{0xc0ae});
  CHECK(mbedtls_suite_name(*cipher_suite(0x1302)) == "TLS1-3-AES-256-GCM-SHA384");
  CHECK(mbedtls_suite_name(*cipher_suite(0xc0aa)) == "TLS-DHE-PSK-WITH-AES-128-CCM-8");
  CHECK(parse_cipher_suite("TLS_PSK_DHE_WITH_AES_128_CCM_8") == uint16_t{0xc0aa});
  CHECK(mbedtls_suite_name(*cipher_suite(0x00ff)).empty());
  for (std::string_view bad : {"", "c03", "c0300", "0xc0,0x3", "0xc0,30", "ECDHE-RSA-AES256-GCM", "TLS_FALLBACK"}) {
    INFO(bad);
    CHECK_FALSE(parse_cipher_suite(bad).has_value());
  }
  CHECK(describe_suite(0xc02f) == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (0xc02f)");
  CHECK(describe_suite(0xc0ff) == "0xc0ff");  // ECJPAKE: Mbed TLS's only, not in OpenSSL's table
}

TEST_CASE("the two signalling values are SCSVs and no other suite is") {
  CHECK(is_signalling_suite(0x00ff));
  CHECK(is_signalling_suite(0x5600));
  int signalling = 0;
  std::set<uint16_t> ids;
  for (const auto& s : all_cipher_suites()) {
    signalling += s.signalling ? 1 : 0;
    CHECK(ids.insert(s.id).second);
    CHECK(cipher_suite(s.id) == &s);
    CHECK_FALSE(s.openssl_name.empty());
  }
  CHECK(signalling == 2);
  CHECK_FALSE(is_signalling_suite(0xc02b));
  CHECK_FALSE(is_signalling_suite(0x1234));
}

TEST_CASE("named groups are found by id, IANA name and each OpenSSL name") {
  struct Case {
    const char* name;
    uint16_t id;
  };
  auto c = GENERATE(values<Case>({{"P-256", 0x0017},
                                  {"prime256v1", 0x0017},
                                  {"secp256r1", 0x0017},
                                  {"P-384", 0x0018},
                                  {"secp384r1", 0x0018},
                                  {"P-521", 0x0019},
                                  {"X25519", 0x001d},
                                  {"x25519", 0x001d},
                                  {"X448", 0x001e},
                                  {"ffdhe2048", 0x0100},
                                  {"ffdhe3072", 0x0101}}));
  const NamedGroup* g = named_group(c.name);
  REQUIRE(g != nullptr);
  CHECK(g->id == c.id);
  CHECK(named_group(g->id) == g);
  CHECK(named_group(g->name) == g);
}

TEST_CASE("named groups print their IANA names and config macros") {
  CHECK(group_name(0x0017) == "secp256r1");
  CHECK(group_name(0x001d) == "x25519");
  CHECK(group_name(0x0104) == "ffdhe8192");
  CHECK(group_name(0x11ec) == "0x11ec");
  CHECK(named_group(0x0017)->mbedtls_macro == "MBEDTLS_ECP_DP_SECP256R1_ENABLED");
  CHECK(named_group(0x001d)->mbedtls_macro == "MBEDTLS_ECP_DP_CURVE25519_ENABLED");
  CHECK(named_group(0x0100)->mbedtls_macro.empty());
  CHECK(named_group(0x0100)->ffdhe);
  CHECK(named_group("p-256") == nullptr);
  CHECK(named_group("") == nullptr);
  CHECK(serves_tls12_ecdhe(0x0017));
  CHECK_FALSE(serves_tls12_ecdhe(0x0100));
  CHECK_FALSE(serves_tls12_ecdhe(0x11ec));
  for (const auto& g : all_named_groups()) CHECK(g.ffdhe == !serves_tls12_ecdhe(g.id));
}

TEST_CASE("signature schemes are named as RFC 8446 names them") {
  CHECK(signature_scheme_name(0x0401) == "rsa_pkcs1_sha256");
  CHECK(signature_scheme_name(0x0403) == "ecdsa_secp256r1_sha256");
  CHECK(signature_scheme_name(0x0804) == "rsa_pss_rsae_sha256");
  CHECK(signature_scheme_name(0x0807) == "ed25519");
  CHECK(signature_scheme_name(0x0301) == "rsa_sha224");  // TLS 1.2 only; IANA's name
  CHECK(signature_scheme_name(0x1234) == "0x1234");
  for (const auto& s : all_signature_schemes()) {
    CHECK(is_rsa_pss_rsae(s.id) == s.name.starts_with("rsa_pss_rsae_"));
  }
}

TEST_CASE("alerts and handshake messages are named by number, and back") {
  CHECK(alert_name(0) == "close_notify");
  CHECK(alert_name(40) == "handshake_failure");
  CHECK(alert_name(70) == "protocol_version");
  CHECK(alert_name(116) == "certificate_required");
  CHECK(alert_name(41) == "alert 41");
  for (const auto& a : all_alert_descriptions()) CHECK(alert_number(a.name) == a.number);
  CHECK(alert_number("no_such_alert") == -1);
  CHECK(std::string_view(handshake_type_name(11)) == "Certificate");
  CHECK(std::string_view(handshake_type_name(-1)) == "handshake message");
  CHECK(std::string_view(handshake_type_name(3)) == "handshake message");
}

TEST_CASE("stages keep the wire's order and today's names") {
  CHECK(stage_from_wire(0) == Stage::kSetup);
  CHECK(stage_from_wire(5) == Stage::kExchange);
  CHECK_FALSE(stage_from_wire(6).has_value());
  for (uint8_t i = 0; i < 6; ++i) {
    const Stage s = *stage_from_wire(i);
    CHECK(parse_stage(stage_name(s)) == s);
  }
  CHECK(stage_name(Stage::kLoadTrust) == "load-trust");
  CHECK(stage_name(Stage::kHandshake) == "handshake");
  CHECK_FALSE(parse_stage("Handshake").has_value());
  CHECK(handshake_completed(Stage::kExchange));
  CHECK_FALSE(handshake_completed(Stage::kHandshake));
}

TEST_CASE("the Mbed TLS lines differ where the rules need them to") {
  const MbedtlsLine old = *parse_mbedtls_line("2.28");
  CHECK(old.name() == "2.28");
  CHECK(old.config_header == "mbedtls/config.h");
  CHECK(old.sha384_macro == "MBEDTLS_SHA512_C");
  CHECK_FALSE(old.has_tls1_3);
  CHECK(old.can_offer(Version::kTls1_0));
  CHECK_FALSE(old.can_offer(Version::kTls1_3));
  CHECK(old.rejects_fragmented_handshake);
  CHECK_FALSE(old.matches_ip_address_san);
  CHECK_FALSE(old.tls12_rejects_offered_rsa_pss);

  const MbedtlsLine now = *parse_mbedtls_line("3.6.2");
  CHECK(now.name() == "3.6");
  CHECK(now.config_header == "mbedtls/mbedtls_config.h");
  CHECK(now.sha384_macro == "MBEDTLS_SHA384_C");
  CHECK(now.can_offer(Version::kTls1_3));
  CHECK_FALSE(now.can_offer(Version::kTls1_1));
  CHECK(now.tls12_rejects_offered_rsa_pss);
}

TEST_CASE("a signature hash's config macro follows the line: 2.x builds SHA-384 with SHA-512") {
  CHECK(kMbedtls2_28.hash_macro("sha384") == "MBEDTLS_SHA512_C");
  CHECK(kMbedtls3_6.hash_macro("sha384") == "MBEDTLS_SHA384_C");
  CHECK(kMbedtls2_28.hash_macro("sha1") == "MBEDTLS_SHA1_C");
  CHECK(kMbedtls3_6.hash_macro("sha256") == "MBEDTLS_SHA256_C");
  CHECK(kMbedtls3_6.hash_macro("sha512") == "MBEDTLS_SHA512_C");
  CHECK(kMbedtls3_6.hash_macro("md5").empty());
}

TEST_CASE("text that names no known line gets the newest line's facts") {
  CHECK_FALSE(parse_mbedtls_line("").has_value());
  CHECK_FALSE(parse_mbedtls_line("2").has_value());
  CHECK_FALSE(parse_mbedtls_line("2.x").has_value());
  CHECK_FALSE(parse_mbedtls_line("4.0").has_value());
  CHECK(mbedtls_line_or_newest("").name() == kMbedtls3_6.name());
  CHECK(mbedtls_line_or_newest("2.16").config_header == "mbedtls/config.h");
  CHECK(mbedtls_line_or_newest("2.16").name() == "2.16");
  CHECK(mbedtls_line_or_newest("2.28-dev").major == 2);
  CHECK(mbedtls_line_or_newest("2.x").rejects_fragmented_handshake);
  CHECK(mbedtls_line_or_newest("20.1").major == 3);
}

TEST_CASE("a debug line's source file tells the line when only one line has it") {
  CHECK(line_from_source_file("ssl_cli.c")->major == 2);
  CHECK(line_from_source_file("ssl_client.c")->major == 3);
  CHECK(line_from_source_file("ssl_tls13_client.c")->major == 3);
  CHECK_FALSE(line_from_source_file("ssl_tls.c").has_value());
}

}  // namespace

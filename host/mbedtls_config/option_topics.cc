#include "option_topics.h"

#include <regex>
#include <vector>

namespace shakedown::mbedtls_config {
namespace {

constexpr OptionTopic kTopics[] = {
    {"versions", "MBEDTLS_SSL_PROTO_.*"},
    {"suites",
     "MBEDTLS_SSL_CIPHERSUITES|MBEDTLS_KEY_EXCHANGE_.*|MBEDTLS_(AES|GCM|CCM|CHACHAPOLY|CHACHA20|ARIA|CAMELLIA|DES)_C"
     "|MBEDTLS_CIPHER_MODE_.*|MBEDTLS_REMOVE_.*_CIPHERSUITES"},
    {"curves", "MBEDTLS_ECP_DP_.*|MBEDTLS_(ECDH|ECDSA|ECP)_C"},
    {"hashes", "MBEDTLS_(MD5|SHA1|SHA224|SHA256|SHA384|SHA512|SHA3|RIPEMD160)_C|MBEDTLS_SHA512_NO_SHA384"},
    {"key types", "MBEDTLS_(RSA|DHM|PK)_C|MBEDTLS_PKCS1_V(15|21)|MBEDTLS_X509_RSASSA_PSS_SUPPORT"},
    {"MPI size", "MBEDTLS_MPI_(MAX_SIZE|WINDOW_SIZE)"},
    {"buffer lengths", "MBEDTLS_SSL_(IN_|OUT_|MAX_)?CONTENT_LEN|MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH"},
    {"MFL", "MBEDTLS_SSL_MAX_FRAGMENT_LENGTH"},
    {"SNI", "MBEDTLS_SSL_SERVER_NAME_INDICATION"},
    {"tickets", "MBEDTLS_SSL_SESSION_TICKETS|MBEDTLS_SSL_TICKET_C"},
    {"verification", "MBEDTLS_X509_.*|MBEDTLS_HAVE_TIME(_DATE)?|MBEDTLS_SSL_KEEP_PEER_CERTIFICATE|MBEDTLS_PEM_PARSE_C"},
};

}  // namespace

std::span<const OptionTopic> option_topics() {
  return kTopics;
}

const OptionTopic* topic_of(const std::string& option) {
  static const std::vector<std::regex> compiled = [] {
    std::vector<std::regex> r;
    for (const auto& t : kTopics) r.emplace_back(std::string(t.pattern));
    return r;
  }();
  for (size_t i = 0; i < compiled.size(); ++i) {
    if (std::regex_match(option, compiled[i])) return &kTopics[i];
  }
  return nullptr;
}

}  // namespace shakedown::mbedtls_config

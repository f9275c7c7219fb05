#include "openssl_client_hello.h"

#include <openssl/crypto.h>

#include <string>
#include <vector>

namespace shakedown::servers {
namespace {

std::string server_name_from(const unsigned char* p, size_t n) {
  // server_name_list: u16 length, then entries of u8 type, u16 length, name.
  if (n < 5 || p[2] != 0) return {};
  size_t len = static_cast<size_t>(p[3]) << 8 | p[4];
  if (5 + len > n) return {};
  return std::string(reinterpret_cast<const char*>(p + 5), len);
}

// A u16 list behind a length prefix of `prefix` bytes (1 or 2).
std::vector<uint16_t> u16_list(const unsigned char* p, size_t n, size_t prefix) {
  std::vector<uint16_t> out;
  if (n < prefix) return out;
  size_t len = prefix == 1 ? p[0] : (static_cast<size_t>(p[0]) << 8 | p[1]);
  for (size_t i = prefix; i + 1 < n && i + 1 < prefix + len + 1; i += 2)
    out.push_back(static_cast<uint16_t>(p[i] << 8 | p[i + 1]));
  return out;
}

std::vector<std::string> alpn_list(const unsigned char* p, size_t n) {
  std::vector<std::string> out;
  for (size_t i = 2; i < n;) {
    size_t len = p[i];
    if (i + 1 + len > n) break;
    out.emplace_back(reinterpret_cast<const char*>(p + i + 1), len);
    i += 1 + len;
  }
  return out;
}

}  // namespace

ClientHelloCapture read_client_hello(SSL* ssl) {
  ClientHelloCapture hello;
  hello.legacy_version = static_cast<uint16_t>(SSL_client_hello_get0_legacy_version(ssl));
  const unsigned char* p = nullptr;
  size_t n = SSL_client_hello_get0_ciphers(ssl, &p);
  for (size_t i = 0; i + 1 < n; i += 2) hello.cipher_suites.push_back(static_cast<uint16_t>(p[i] << 8 | p[i + 1]));
  int* types = nullptr;
  size_t count = 0;
  if (SSL_client_hello_get1_extensions_present(ssl, &types, &count) == 1) {
    hello.extensions.assign(types, types + count);
    OPENSSL_free(types);
  }
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &p, &n) == 1) hello.server_name = server_name_from(p, n);
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_supported_versions, &p, &n) == 1) {
    hello.supported_versions = u16_list(p, n, 1);
  }
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_supported_groups, &p, &n) == 1) hello.groups = u16_list(p, n, 2);
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_signature_algorithms, &p, &n) == 1) {
    hello.signature_algorithms = u16_list(p, n, 2);
  }
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_max_fragment_length, &p, &n) == 1 && n == 1 && p[0] >= 1 &&
      p[0] <= 4) {
    hello.max_fragment_length = 256 << p[0];
  }
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &p, &n) == 1) {
    hello.alpn = alpn_list(p, n);
  }
  hello.session_ticket = SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_session_ticket, &p, &n) == 1;
  return hello;
}

}  // namespace shakedown::servers

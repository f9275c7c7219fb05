// libFuzzer target: one client's first bytes read two ways: as explain
// decodes a ClientHello from a log (decode_client_hello) and as the test
// server captures it (OpenSSL's client_hello callback, read_client_hello).
// Each must take any bytes. Where both read a ClientHello they must agree
// on what OpenSSL checks before its callback: the legacy version, the
// suites, the session ticket, the extensions (OpenSSL lists only those it
// knows, so its list is a subsequence of explain's), and a server name both
// found.

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "client_hello_decode.h"
#include "openssl_client_hello.h"

namespace {

using shakedown::servers::ClientHelloCapture;

std::optional<ClientHelloCapture> g_captured;

int on_client_hello(SSL* ssl, int* alert, void*) {
  g_captured = shakedown::servers::read_client_hello(ssl);
  *alert = SSL_AD_HANDSHAKE_FAILURE;
  return SSL_CLIENT_HELLO_ERROR;  // seen all we need: stop here
}

SSL_CTX* server_context() {
  static SSL_CTX* ctx = [] {
    SSL_CTX* c = SSL_CTX_new(TLS_server_method());
    if (c == nullptr) __builtin_trap();
    SSL_CTX_set_client_hello_cb(c, on_client_hello, nullptr);
    return c;
  }();
  return ctx;
}

// What the server reads: the bytes as they are, or a bare handshake message
// (as a log may dump one) put in handshake records first.
std::vector<uint8_t> as_records(std::span<const uint8_t> bytes) {
  if (bytes.empty() || bytes[0] != 1) return {bytes.begin(), bytes.end()};
  std::vector<uint8_t> out;
  for (size_t at = 0; at < bytes.size(); at += 16384) {
    const size_t n = std::min<size_t>(16384, bytes.size() - at);
    out.insert(out.end(), {22, 3, 1, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
    out.insert(out.end(), bytes.begin() + static_cast<long>(at), bytes.begin() + static_cast<long>(at + n));
  }
  return out;
}

std::optional<ClientHelloCapture> server_capture(std::span<const uint8_t> bytes) {
  const std::vector<uint8_t> records = as_records(bytes);
  if (records.empty()) return std::nullopt;
  g_captured.reset();
  SSL* ssl = SSL_new(server_context());
  BIO* in = BIO_new_mem_buf(records.data(), static_cast<int>(records.size()));
  BIO* out = BIO_new(BIO_s_mem());
  if (ssl == nullptr || in == nullptr || out == nullptr) __builtin_trap();
  SSL_set_bio(ssl, in, out);
  SSL_set_accept_state(ssl);
  (void)SSL_do_handshake(ssl);
  SSL_free(ssl);
  ERR_clear_error();
  return g_captured;
}

bool subsequence(const std::vector<int>& part, const std::vector<int>& whole) {
  auto at = whole.begin();
  for (int x : part) {
    at = std::find(at, whole.end(), x);
    if (at == whole.end()) return false;
    ++at;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  const auto decoded = shakedown::explain::decode_client_hello(bytes);
  const auto captured = server_capture(bytes);
  if (!decoded || !captured) return 0;
  if (decoded->legacy_version != captured->legacy_version || decoded->cipher_suites != captured->cipher_suites ||
      decoded->session_ticket != captured->session_ticket || !subsequence(captured->extensions, decoded->extensions)) {
    __builtin_trap();
  }
  if (!decoded->server_name.empty() && !captured->server_name.empty() &&
      decoded->server_name != captured->server_name) {
    __builtin_trap();
  }
  return 0;
}

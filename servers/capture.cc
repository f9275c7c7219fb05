#include "capture.h"

#include <openssl/ssl.h>

#include "openssl_ptr.h"

namespace shakedown::servers {

const char* connection_end_name(ConnectionEnd end) {
  switch (end) {
    case ConnectionEnd::kHandshakeDone: return "handshake-done";
    case ConnectionEnd::kMisbehaved: return "misbehaved";
    case ConnectionEnd::kFailedWithAlert: return "failed-with-alert";
    case ConnectionEnd::kFailedWithReset: return "failed-with-reset";
    case ConnectionEnd::kFailedWithClose: return "failed-with-close";
    case ConnectionEnd::kClientClosed: return "client-closed";
    case ConnectionEnd::kTimedOut: return "timed-out";
  }
  return "unknown";
}

const RecordSeen* ConnectionCapture::largest_record() const {
  const RecordSeen* best = nullptr;
  for (const auto& r : records_sent) {
    if (best == nullptr || r.length > best->length) best = &r;
  }
  return best;
}

const char* handshake_type_name(int type) {
  switch (type) {
    case 1: return "ClientHello";
    case 2: return "ServerHello";
    case 4: return "NewSessionTicket";
    case 8: return "EncryptedExtensions";
    case 11: return "Certificate";
    case 12: return "ServerKeyExchange";
    case 13: return "CertificateRequest";
    case 14: return "ServerHelloDone";
    case 15: return "CertificateVerify";
    case 16: return "ClientKeyExchange";
    case 20: return "Finished";
    default: return "handshake message";
  }
}

SuiteName suite_name(uint16_t id) {
  // One context with every suite OpenSSL implements, looked up by id.
  static const SslCtxPtr ctx = [] {
    SslCtxPtr c(SSL_CTX_new(TLS_method()));
    SSL_CTX_set_security_level(c.get(), 0);
    SSL_CTX_set_cipher_list(c.get(), "ALL:COMPLEMENTOFALL");
    return c;
  }();
  static const SslPtr ssl(SSL_new(ctx.get()));
  const unsigned char bytes[2] = {static_cast<unsigned char>(id >> 8), static_cast<unsigned char>(id & 0xff)};
  SuiteName name{id, {}, {}};
  if (const SSL_CIPHER* c = SSL_CIPHER_find(ssl.get(), bytes)) {
    name.openssl_name = SSL_CIPHER_get_name(c);
    name.iana_name = SSL_CIPHER_standard_name(c);
  }
  return name;
}

bool is_signalling_suite(uint16_t id) {
  return id == 0x00ff || id == 0x5600;
}

}  // namespace shakedown::servers

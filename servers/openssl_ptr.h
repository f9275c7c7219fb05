#pragma once
// Owning pointers for OpenSSL objects, and OpenSSL's error queue as text.

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace shakedown::servers {

template <auto Free>
struct OpensslDeleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};

using BioPtr = std::unique_ptr<BIO, OpensslDeleter<BIO_free_all>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpensslDeleter<EVP_PKEY_free>>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, OpensslDeleter<SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, OpensslDeleter<SSL_free>>;
using X509Ptr = std::unique_ptr<X509, OpensslDeleter<X509_free>>;

// Drains OpenSSL's (per-thread) error queue into one line, e.g.
// "no shared cipher"; `fallback` when it is empty.
std::string take_openssl_errors(const std::string& fallback = "unknown OpenSSL error");

}  // namespace shakedown::servers

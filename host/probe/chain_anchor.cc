#include "chain_anchor.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>

namespace shakedown::probe {
namespace {

using Store = std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)>;

Store load(const std::string& ca_file) {
  Store store(X509_STORE_new(), X509_STORE_free);
  if (X509_STORE_load_file(store.get(), ca_file.c_str()) != 1) store.reset();
  return store;
}

}  // namespace

std::optional<std::string> ca_file_problem(const std::string& ca_file) {
  ERR_clear_error();
  Store store = load(ca_file);
  if (store && sk_X509_OBJECT_num(X509_STORE_get0_objects(store.get())) > 0) return std::nullopt;
  char text[256] = "no certificate in it";
  if (const unsigned long e = ERR_peek_last_error(); e != 0) ERR_error_string_n(e, text, sizeof text);
  ERR_clear_error();
  return std::string(text);
}

std::string unanchored_because(const std::string& ca_file, stack_st_X509* chain) {
  Store store = load(ca_file);
  if (!store || chain == nullptr || sk_X509_num(chain) == 0) return "no chain to check";
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(), X509_STORE_CTX_free);
  if (X509_STORE_CTX_init(ctx.get(), store.get(), sk_X509_value(chain, 0), chain) != 1) return "OpenSSL failed";
  // The path alone: an expired or not yet valid certificate still anchors.
  X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx.get()), X509_V_FLAG_NO_CHECK_TIME);
  const bool anchored = X509_verify_cert(ctx.get()) == 1;
  const int error = X509_STORE_CTX_get_error(ctx.get());
  ERR_clear_error();
  return anchored ? "" : X509_verify_cert_error_string(error);
}

}  // namespace shakedown::probe

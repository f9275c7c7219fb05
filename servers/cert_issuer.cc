#include "cert_issuer.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <stdexcept>

#include "key_pool.h"
#include "pki_internal.h"

namespace shakedown::servers::pki_internal {
namespace fs = std::filesystem;
namespace {

const EVP_MD* digest(const std::string& hash) {
  if (hash == "sha1") return EVP_sha1();
  if (hash == "sha256") return EVP_sha256();
  if (hash == "sha384") return EVP_sha384();
  if (hash == "sha512") return EVP_sha512();
  throw std::runtime_error("PKI: unknown signature hash '" + hash + "'");
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr || X509_add_ext(cert, ext, -1) != 1) fail("extension " + value);
  X509_EXTENSION_free(ext);
}

// Built as GENERAL_NAMEs, not config text, so no name needs escaping.
void add_sans(X509* cert, const std::vector<std::string>& sans) {
  std::unique_ptr<GENERAL_NAMES, OpensslDeleter<GENERAL_NAMES_free>> names(sk_GENERAL_NAME_new_null());
  for (const auto& san : sans) {
    GENERAL_NAME* name = GENERAL_NAME_new();
    if (san.starts_with("IP:")) {
      GENERAL_NAME_set0_value(name, GEN_IPADD, a2i_IPADDRESS(san.c_str() + 3));
    } else {
      ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
      ASN1_STRING_set(dns, san.data() + 4, static_cast<int>(san.size() - 4));
      GENERAL_NAME_set0_value(name, GEN_DNS, dns);
    }
    sk_GENERAL_NAME_push(names.get(), name);
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) fail("subjectAltName");
}

void set_random_serial(X509* cert) {
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
  BN_free(bn);
}

void add_name(X509_NAME* name, const char* field, const std::string& value) {
  if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.c_str()), -1,
                                 -1, 0) != 1)
    fail(std::string("subject ") + field + "=" + value);
}

// Certificate `r` with `key`, signed by `issuer` (nullptr: by itself) at `now`.
X509Ptr make_cert(const CertSpec& spec, const ResolvedCert& r, EVP_PKEY* key, const IssuedCert* issuer,
                  std::time_t now) {
  X509Ptr out(X509_new());
  X509* cert = out.get();
  X509_set_version(cert, 2);
  set_random_serial(cert);
  if (X509_time_adj_ex(X509_getm_notBefore(cert), spec.not_before_days, 0, &now) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert), spec.not_after_days, 0, &now) == nullptr)
    fail("validity of " + r.cn);
  X509_set_pubkey(cert, key);

  X509_NAME* name = X509_get_subject_name(cert);
  add_name(name, "O", "shakedown");
  if (!r.cn.empty()) add_name(name, "CN", r.cn);
  X509* signer = issuer != nullptr ? issuer->cert.get() : cert;
  X509_set_issuer_name(cert, X509_get_subject_name(signer));

  const bool end_entity = r.leaf || !r.ca;
  const bool rsa = EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA;
  std::string usage = "critical";
  if (end_entity) usage += rsa ? ",digitalSignature,keyEncipherment" : ",digitalSignature";
  if (r.ca) usage += ",keyCertSign,cRLSign";
  std::string constraints = r.ca ? "critical,CA:TRUE" : "critical,CA:FALSE";
  if (spec.path_length) constraints += ",pathlen:" + std::to_string(*spec.path_length);
  add_extension(cert, signer, NID_basic_constraints, constraints);
  add_extension(cert, signer, NID_key_usage, usage);
  if (end_entity) add_extension(cert, signer, NID_ext_key_usage, "serverAuth");
  if (!r.sans.empty()) add_sans(cert, r.sans);
  add_extension(cert, signer, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) add_extension(cert, signer, NID_authority_key_identifier, "keyid:always");

  EVP_PKEY* signing_key = issuer != nullptr ? issuer->key.get() : key;
  const EVP_MD* md = EVP_PKEY_get_base_id(signing_key) == EVP_PKEY_ED25519 ? nullptr : digest(spec.signature_hash);
  if (X509_sign(cert, signing_key, md) == 0) fail("signing " + r.cn);
  return out;
}

std::string cert_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509(bio.get(), cert) != 1) fail("encoding a certificate");
  return bio_text(bio.get());
}

}  // namespace

Generated generate(const ChainSpec& spec, const std::vector<ResolvedCert>& resolved, const fs::path& cache_dir,
                   std::time_t now) {
  std::vector<std::pair<KeySpec, size_t>> wanted;
  for (const auto& r : resolved) wanted.emplace_back(spec.certs[r.key_owner].key, r.key_owner);
  fill_key_pool(cache_dir, wanted);

  Generated out;
  for (size_t i = 0; i < spec.certs.size(); ++i) {
    const ResolvedCert& r = resolved[i];
    PooledKey key = pooled_key(cache_dir, spec.certs[r.key_owner].key, r.key_owner);
    IssuedCert c;
    c.cert = make_cert(spec.certs[i], r, key.key.get(), r.issuer == i ? nullptr : &out.chain.certs[r.issuer], now);
    c.key = std::move(key.key);
    c.pem = cert_pem(c.cert.get());
    c.der_size = static_cast<size_t>(i2d_X509(c.cert.get(), nullptr));
    c.signature_hash = spec.certs[i].signature_hash;
    out.chain.certs.push_back(std::move(c));
    out.key_pems.push_back(std::move(key.pem));
  }
  return out;
}

}  // namespace shakedown::servers::pki_internal

#include "chain_facts.h"

#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <ctime>

namespace shakedown::servers {
namespace {

// By position, but a self-signed certificate is a root wherever it is (a
// chain of another root than the one the device trusts, pki[0]).
std::string role(size_t i, size_t count, X509* cert) {
  if (i == 0 || X509_NAME_cmp(X509_get_subject_name(cert), X509_get_issuer_name(cert)) == 0) return "root";
  if (i + 1 == count) return "leaf";
  return "intermediate " + std::to_string(i);
}

std::string subject(X509* cert) {
  char buf[256];
  X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
  return buf;
}

std::string key_type(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: return "RSA";
    case EVP_PKEY_EC: return "EC";
    case EVP_PKEY_ED25519: return "ED25519";
    default: return "unknown";
  }
}

std::string not_after(X509* cert) {
  struct tm t {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &t) != 1) return "unknown";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &t);
  return buf;
}

std::vector<std::string> dns_names(X509* cert) {
  std::vector<std::string> names;
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
    if (name->type == GEN_DNS) {
      names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName)),
                         static_cast<size_t>(ASN1_STRING_length(name->d.dNSName)));
    }
  }
  GENERAL_NAMES_free(sans);
  return names;
}

std::optional<int> path_length(X509* cert) {
  const long length = X509_get_pathlen(cert);
  if (length < 0) return std::nullopt;
  return static_cast<int>(length);
}

}  // namespace

std::vector<CertFacts> describe_chain(const Chain& chain) {
  std::vector<CertFacts> out;
  for (size_t i = 0; i < chain.certs.size(); ++i) {
    const IssuedCert& c = chain.certs[i];
    X509* cert = c.cert.get();
    out.push_back({.role = role(i, chain.certs.size(), cert),
                   .subject = subject(cert),
                   .key_type = key_type(c.key.get()),
                   .key_bits = EVP_PKEY_get_bits(c.key.get()),
                   .signature_algorithm = OBJ_nid2ln(X509_get_signature_nid(cert)),
                   .signature_hash = c.signature_hash,
                   .der_size = c.der_size,
                   .not_after = not_after(cert),
                   .dns_names = dns_names(cert),
                   .path_length = path_length(cert)});
  }
  return out;
}

}  // namespace shakedown::servers

// Chain specs: their text forms, their canonical (cache key) form, and
// their resolution into what each certificate will be.

#include "chain_spec.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace shakedown::servers {
namespace {

// The generator's sources, hashed by the build (servers/CMakeLists.txt): a
// change to how chains are made is a new cache key.
constexpr const char* kFormat = "pki-" SHAKEDOWN_PKI_GENERATOR;
constexpr int kMaxValidityDays = 36500;
constexpr int kMaxExtraSans = 10000;
constexpr size_t kMaxCommonName = 64;  // X.520's upper bound

[[noreturn]] void invalid(size_t index, const std::string& field, const std::string& why) {
  throw std::runtime_error("PKI: certs[" + std::to_string(index) + "]." + field + ": " + why);
}

bool known_hash(const std::string& hash) {
  const auto hashes = ChainSpec::known_hashes();
  return std::find(hashes.begin(), hashes.end(), hash) != hashes.end();
}

bool valid_key(const KeySpec& key) {
  auto parsed = KeySpec::parse(key.name());
  return parsed && parsed->algorithm == key.algorithm &&
         (key.algorithm != KeyAlgorithm::kEc || parsed->curve == key.curve);
}

std::string default_cn(const ChainSpec& chain, const std::vector<ResolvedCert>& done, size_t i, const ResolvedCert& r) {
  const CertSpec& spec = chain.certs[i];
  if (spec.same_key_as) return done[*spec.same_key_as].cn;  // cross-signing: same subject
  // As public CAs do, a name too long for a common name goes only in the SAN.
  if (r.leaf) return chain.hostname.size() <= kMaxCommonName ? chain.hostname : "";
  if (r.issuer == i) return "shakedown test root " + (i == 0 ? "" : std::to_string(i) + " ") + spec.key.name();
  return r.ca ? "shakedown test intermediate " + std::to_string(i) : "shakedown test cert " + std::to_string(i);
}

void check_san(size_t i, size_t k, const std::string& san) {
  const std::string field = "sans[" + std::to_string(k) + "]";
  if (san.starts_with("DNS:")) {
    if (san.size() == 4 || san.find_first_of(", ") != std::string::npos)
      invalid(i, field, "bad DNS name '" + san + "'");
  } else if (san.starts_with("IP:")) {
    ASN1_OCTET_STRING* ip = a2i_IPADDRESS(san.c_str() + 3);
    if (ip == nullptr) {
      ERR_clear_error();
      invalid(i, field, "bad IP address '" + san + "'");
    }
    ASN1_OCTET_STRING_free(ip);
  } else {
    invalid(i, field, "'" + san + "' is neither DNS:<name> nor IP:<address>");
  }
}

void check_fields(const CertSpec& c, size_t i, bool ca) {
  if (!valid_key(c.key)) invalid(i, "key", "unsupported key '" + c.key.name() + "'");
  if (!known_hash(c.signature_hash)) invalid(i, "signature_hash", "unknown hash '" + c.signature_hash + "'");
  if (c.extra_sans < 0 || c.extra_sans > kMaxExtraSans)
    invalid(i, "extra_sans", "must be 0 to " + std::to_string(kMaxExtraSans));
  if (std::abs(c.not_before_days) > kMaxValidityDays)
    invalid(i, "not_before_days", "beyond " + std::to_string(kMaxValidityDays) + " days");
  if (std::abs(c.not_after_days) > kMaxValidityDays)
    invalid(i, "not_after_days", "beyond " + std::to_string(kMaxValidityDays) + " days");
  if (c.path_length && *c.path_length < 0) invalid(i, "path_length", "negative");
  if (c.path_length && !ca) invalid(i, "path_length", "only a CA has a path length");
}

}  // namespace

std::vector<ResolvedCert> resolve(const ChainSpec& chain) {
  if (chain.certs.size() < 2) throw std::runtime_error("PKI: a chain needs a root and a leaf");
  std::vector<ResolvedCert> out;
  for (size_t i = 0; i < chain.certs.size(); ++i) {
    const CertSpec& c = chain.certs[i];
    ResolvedCert r;
    r.leaf = i + 1 == chain.certs.size();
    r.ca = c.ca.value_or(!r.leaf);
    check_fields(c, i, r.ca);

    r.issuer = c.issuer.value_or(i == 0 ? 0 : i - 1);
    if (r.issuer >= chain.certs.size())
      invalid(i, "issuer",
              "no cert " + std::to_string(r.issuer) + " in a chain of " + std::to_string(chain.certs.size()));
    if (r.issuer > i) invalid(i, "issuer", "cert " + std::to_string(r.issuer) + " is not earlier in the chain");
    if (r.issuer != i && !out[r.issuer].ca) invalid(i, "issuer", "cert " + std::to_string(r.issuer) + " is not a CA");

    r.key_owner = i;
    if (c.same_key_as) {
      const size_t j = *c.same_key_as;
      if (j >= i) invalid(i, "same_key_as", "cert " + std::to_string(j) + " is not earlier in the chain");
      if (chain.certs[j].key.name() != c.key.name())
        invalid(i, "same_key_as",
                "key " + c.key.name() + " differs from cert " + std::to_string(j) + "'s " + chain.certs[j].key.name());
      r.key_owner = out[j].key_owner;
    }

    const bool named_after_host = (r.leaf && (!c.common_name || c.sans.empty())) || c.extra_sans > 0;
    if (named_after_host && chain.hostname.empty())
      throw std::runtime_error("PKI: hostname: empty, but certs[" + std::to_string(i) + "] is named after it");
    r.cn = c.common_name ? *c.common_name : default_cn(chain, out, i, r);
    if (r.cn.size() > kMaxCommonName)
      invalid(i, "common_name", "longer than " + std::to_string(kMaxCommonName) + " characters");
    r.sans = c.sans.empty() && r.leaf ? std::vector<std::string>{"DNS:" + chain.hostname} : c.sans;
    for (size_t k = 0; k < c.sans.size(); ++k) check_san(i, k, c.sans[k]);
    for (int k = 0; k < c.extra_sans; ++k) r.sans.push_back("DNS:padding-" + std::to_string(k) + "." + chain.hostname);
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<KeySpec> KeySpec::parse(const std::string& text) {
  KeySpec k;
  if (text.starts_with("rsa-")) {
    try {
      size_t used = 0;
      k.rsa_bits = std::stoi(text.substr(4), &used);
      if (used != text.size() - 4 || k.rsa_bits < 512 || k.rsa_bits > 16384) return std::nullopt;
    } catch (const std::exception&) {
      return std::nullopt;
    }
    k.algorithm = KeyAlgorithm::kRsa;
    return k;
  }
  if (text == "ed25519") {
    k.algorithm = KeyAlgorithm::kEd25519;
    return k;
  }
  k.algorithm = KeyAlgorithm::kEc;
  if (text == "ec-p256")
    k.curve = "P-256";
  else if (text == "ec-p384")
    k.curve = "P-384";
  else if (text == "ec-p521")
    k.curve = "P-521";
  else
    return std::nullopt;
  return k;
}

std::string KeySpec::name() const {
  switch (algorithm) {
    case KeyAlgorithm::kRsa: return "rsa-" + std::to_string(rsa_bits);
    case KeyAlgorithm::kEc: return "ec-p" + (curve.size() > 2 ? curve.substr(2) : curve);
    case KeyAlgorithm::kEd25519: return "ed25519";
  }
  return "unknown";
}

std::vector<std::string> ChainSpec::known_hashes() {
  return {"sha1", "sha256", "sha384", "sha512"};
}

// Strings are length-prefixed and absent optionals are "-", so two different
// specs never share a canonical form.
std::string ChainSpec::canonical() const {
  std::ostringstream out;
  auto text = [&](const std::string& s) { out << s.size() << ':' << s; };
  auto maybe = [&](const auto& value) {
    if (value)
      out << *value;
    else
      out << '-';
  };
  out << kFormat << "|host=";
  text(hostname);
  for (const auto& c : certs) {
    out << "|key=" << c.key.name() << ",hash=";
    text(c.signature_hash);
    out << ",extra_sans=" << c.extra_sans << ",cn=";
    if (c.common_name)
      text(*c.common_name);
    else
      out << '-';
    out << ",sans=" << c.sans.size();
    for (const auto& san : c.sans) {
      out << ',';
      text(san);
    }
    out << ",days=" << c.not_before_days << ".." << c.not_after_days << ",pathlen=";
    maybe(c.path_length);
    out << ",issuer=";
    maybe(c.issuer);
    out << ",same_key_as=";
    maybe(c.same_key_as);
    out << ",ca=";
    maybe(c.ca);
  }
  return out.str();
}

void validate(const ChainSpec& spec) {
  (void)resolve(spec);
}

}  // namespace shakedown::servers

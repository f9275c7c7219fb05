#include "pki.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace shakedown::servers {
namespace {

// Bumped whenever generation changes, so old caches are not reused.
constexpr const char* kFormat = "pki-v1";
constexpr long kValiditySeconds = 365L * 24 * 3600;
constexpr long kBackdateSeconds = 24L * 3600;  // tolerate clocks a day behind

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("PKI: " + what + ": " + take_openssl_errors());
}

const EVP_MD* digest(const std::string& hash) {
  if (hash == "sha1") return EVP_sha1();
  if (hash == "sha256") return EVP_sha256();
  if (hash == "sha384") return EVP_sha384();
  if (hash == "sha512") return EVP_sha512();
  throw std::runtime_error("PKI: unknown signature hash '" + hash + "'");
}

EvpPkeyPtr generate_key(const KeySpec& spec) {
  EVP_PKEY* key = spec.algorithm == KeyAlgorithm::kRsa
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(spec.rsa_bits))
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", spec.curve.c_str());
  if (key == nullptr) fail("generating " + spec.name());
  return EvpPkeyPtr(key);
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr || X509_add_ext(cert, ext, -1) != 1) fail("extension " + value);
  X509_EXTENSION_free(ext);
}

IssuedCert make_cert(const ChainSpec& chain, size_t index, const IssuedCert* issuer) {
  const CertSpec& spec = chain.certs[index];
  const bool is_leaf = index + 1 == chain.certs.size();
  IssuedCert out;
  out.key = generate_key(spec.key);
  out.cert.reset(X509_new());
  X509* cert = out.cert.get();

  X509_set_version(cert, 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert), -kBackdateSeconds);
  X509_gmtime_adj(X509_getm_notAfter(cert), kValiditySeconds);
  X509_set_pubkey(cert, out.key.get());

  std::string cn = is_leaf      ? chain.hostname
                   : index == 0 ? "shakedown test root " + spec.key.name()
                                : "shakedown test intermediate " + std::to_string(index);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("shakedown"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer->cert.get() : cert;
  X509_set_issuer_name(cert, X509_get_subject_name(signer));

  if (is_leaf) {
    add_extension(cert, signer, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert, signer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    add_extension(cert, signer, NID_ext_key_usage, "serverAuth");
    std::string sans = "DNS:" + chain.hostname;
    for (int i = 0; i < spec.extra_sans; ++i) sans += ",DNS:padding-" + std::to_string(i) + "." + chain.hostname;
    add_extension(cert, signer, NID_subject_alt_name, sans);
  } else {
    add_extension(cert, signer, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  }
  add_extension(cert, signer, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) add_extension(cert, signer, NID_authority_key_identifier, "keyid:always");

  EVP_PKEY* signing_key = issuer != nullptr ? issuer->key.get() : out.key.get();
  if (X509_sign(cert, signing_key, digest(spec.signature_hash)) == 0) fail("signing " + cn);
  return out;
}

std::string to_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

void fill_derived(IssuedCert& c) {
  c.pem = to_pem(c.cert.get());
  c.der_size = static_cast<size_t>(i2d_X509(c.cert.get(), nullptr));
}

void write_file(const std::filesystem::path& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
  if (!out) throw std::runtime_error("PKI: cannot write " + path.string());
}

std::string key_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::optional<Chain> load_cached(const std::filesystem::path& dir, size_t count) {
  if (!std::filesystem::exists(dir / ".complete")) return std::nullopt;
  Chain chain;
  chain.dir = dir;
  for (size_t i = 0; i < count; ++i) {
    IssuedCert c;
    BioPtr cert_bio(BIO_new_file((dir / ("cert-" + std::to_string(i) + ".pem")).c_str(), "r"));
    BioPtr key_bio(BIO_new_file((dir / ("key-" + std::to_string(i) + ".pem")).c_str(), "r"));
    if (!cert_bio || !key_bio) return std::nullopt;
    c.cert.reset(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
    c.key.reset(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
    if (!c.cert || !c.key) {
      ERR_clear_error();
      return std::nullopt;
    }
    fill_derived(c);
    chain.certs.push_back(std::move(c));
  }
  return chain;
}

std::string sha256_hex(const std::string& text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

}  // namespace

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
  if (algorithm == KeyAlgorithm::kRsa) return "rsa-" + std::to_string(rsa_bits);
  std::string n = "ec-p" + curve.substr(2);
  return n;
}

std::vector<std::string> ChainSpec::known_hashes() {
  return {"sha1", "sha256", "sha384", "sha512"};
}

std::string ChainSpec::canonical() const {
  std::ostringstream out;
  out << kFormat << "|host=" << hostname;
  for (const auto& c : certs) out << "|" << c.key.name() << "/" << c.signature_hash << "/" << c.extra_sans;
  return out.str();
}

std::string IssuedCert::key_type() const {
  return EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_RSA ? "RSA" : "EC";
}

int IssuedCert::key_bits() const {
  return EVP_PKEY_get_bits(key.get());
}

std::string IssuedCert::signature_algorithm() const {
  return OBJ_nid2ln(X509_get_signature_nid(cert.get()));
}

std::string IssuedCert::subject() const {
  char buf[256];
  X509_NAME_oneline(X509_get_subject_name(cert.get()), buf, sizeof buf);
  return buf;
}

std::filesystem::path default_pki_cache() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return std::filesystem::path("cache") / "pki";
  return self.parent_path().parent_path() / "cache" / "pki";
}

Chain issue_chain(const ChainSpec& spec, const std::filesystem::path& cache_dir) {
  if (spec.certs.size() < 2) throw std::runtime_error("PKI: a chain needs a root and a leaf");
  const auto dir = cache_dir / sha256_hex(spec.canonical()).substr(0, 24);
  if (auto cached = load_cached(dir, spec.certs.size())) return std::move(*cached);

  Chain chain;
  for (size_t i = 0; i < spec.certs.size(); ++i) {
    IssuedCert c = make_cert(spec, i, i == 0 ? nullptr : &chain.certs[i - 1]);
    fill_derived(c);
    chain.certs.push_back(std::move(c));
  }
  // Written aside, then renamed: a concurrent or interrupted run never sees half a chain.
  std::filesystem::create_directories(cache_dir);
  const auto tmp = cache_dir / (".tmp-" + std::to_string(::getpid()) + "-" + dir.filename().string());
  std::filesystem::remove_all(tmp);
  std::filesystem::create_directories(tmp);
  for (size_t i = 0; i < chain.certs.size(); ++i) {
    write_file(tmp / ("cert-" + std::to_string(i) + ".pem"), chain.certs[i].pem);
    write_file(tmp / ("key-" + std::to_string(i) + ".pem"), key_pem(chain.certs[i].key.get()));
  }
  write_file(tmp / "spec.txt", spec.canonical() + "\n");
  write_file(tmp / ".complete", "");
  std::error_code ec;
  std::filesystem::rename(tmp, dir, ec);
  if (ec) {
    // Another run stored this chain first: use theirs, so files and keys agree.
    std::filesystem::remove_all(tmp);
    if (auto theirs = load_cached(dir, spec.certs.size())) return std::move(*theirs);
    throw std::runtime_error("PKI: cannot store the chain in " + dir.string() + ": " + ec.message());
  }
  chain.dir = dir;
  return chain;
}

}  // namespace shakedown::servers

#include "pki.h"

#include <fcntl.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>

namespace shakedown::servers {
namespace fs = std::filesystem;
namespace {

// Bumped whenever generation changes, so old caches are not reused.
constexpr const char* kFormat = "pki-v2";
constexpr int kMaxValidityDays = 36500;
constexpr int kMaxExtraSans = 10000;
constexpr size_t kMaxCommonName = 64;  // X.520's upper bound
// A generation stamped this far in the future means the clock went back: regenerate.
constexpr std::time_t kClockSkewSeconds = 3600;
// Superseded generations stay this long for processes that still use their files.
constexpr std::time_t kRetentionSeconds = 3 * 24 * 3600;

struct Counters {
  std::atomic<uint64_t> keys_generated{0}, keys_parsed{0}, chains_generated{0}, chains_loaded{0};
};
Counters& counters() {
  static Counters c;
  return c;
}

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("PKI: " + what + ": " + take_openssl_errors());
}

[[noreturn]] void invalid(size_t index, const std::string& field, const std::string& why) {
  throw std::runtime_error("PKI: certs[" + std::to_string(index) + "]." + field + ": " + why);
}

// ---- Files -----------------------------------------------------------------

class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// A whole (small) file, relative to an open directory; nullopt when unreadable.
std::optional<std::string> read_at(int dir_fd, const char* name) {
  UniqueFd fd(::openat(dir_fd, name, O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return std::nullopt;
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

std::optional<std::string> read_file(const fs::path& path) {
  return read_at(AT_FDCWD, path.c_str());
}

void write_file(const fs::path& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
  out.close();
  if (!out) throw std::runtime_error("PKI: cannot write " + path.string());
}

// A name beside `path` that no other thread or process uses.
fs::path temp_beside(const fs::path& path) {
  static std::atomic<uint64_t> next{0};
  return path.parent_path() /
         (".tmp-" + path.filename().string() + "-" + std::to_string(::getpid()) + "-" + std::to_string(next++));
}

// flock() on a file of its own: serializes threads (each opens its own
// descriptor) and processes, and is released if the holder dies.
class FileLock {
 public:
  explicit FileLock(const fs::path& path) : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_.get() < 0) throw std::runtime_error("PKI: cannot open " + path.string() + ": " + std::strerror(errno));
    while (::flock(fd_.get(), LOCK_EX) != 0) {
      if (errno != EINTR) throw std::runtime_error("PKI: cannot lock " + path.string() + ": " + std::strerror(errno));
    }
  }

 private:
  UniqueFd fd_;
};

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

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

// ---- Specs -----------------------------------------------------------------

bool known_hash(const std::string& hash) {
  const auto hashes = ChainSpec::known_hashes();
  return std::find(hashes.begin(), hashes.end(), hash) != hashes.end();
}

bool valid_key(const KeySpec& key) {
  auto parsed = KeySpec::parse(key.name());
  return parsed && parsed->algorithm == key.algorithm &&
         (key.algorithm != KeyAlgorithm::kEc || parsed->curve == key.curve);
}

// What a CertSpec means in its chain, defaults applied.
struct ResolvedCert {
  bool leaf = false;  // the last certificate
  bool ca = false;
  size_t issuer = 0;              // own index: self-signed
  size_t key_owner = 0;           // whose pool slot the key comes from (same_key_as, followed)
  std::string cn;                 // empty: no CN
  std::vector<std::string> sans;  // with the padding names
};

std::string default_cn(const ChainSpec& chain, const std::vector<ResolvedCert>& done, size_t i, const ResolvedCert& r) {
  const CertSpec& spec = chain.certs[i];
  if (spec.same_key_as) return done[*spec.same_key_as].cn;  // cross-signing: same subject
  if (r.leaf) return chain.hostname;
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

// ---- Keys: decoded once per process, pooled on disk ------------------------

const char* openssl_key_type(const KeySpec& key) {
  switch (key.algorithm) {
    case KeyAlgorithm::kRsa: return "RSA";
    case KeyAlgorithm::kEc: return "EC";
    case KeyAlgorithm::kEd25519: return "ED25519";
  }
  return "RSA";
}

EvpPkeyPtr share(EVP_PKEY* key) {
  EVP_PKEY_up_ref(key);
  return EvpPkeyPtr(key);
}

// Private keys by their PEM text: chains share pooled keys, so each is
// decoded once. Decoders are told the key type, which skips OpenSSL 3's trial
// of every format, and are reused, as setting one up costs five decodings.
class ParsedKeys {
 public:
  EvpPkeyPtr get(const std::string& pem, const char* type) {
    std::lock_guard lock(mutex_);
    if (auto it = keys_.find(pem); it != keys_.end()) return share(it->second.get());
    EvpPkeyPtr key = decode(pem, type);
    if (key) keys_.try_emplace(pem, share(key.get()));
    return key;
  }
  void put(const std::string& pem, EVP_PKEY* key) {
    std::lock_guard lock(mutex_);
    keys_.try_emplace(pem, share(key));
  }
  void clear() {
    std::lock_guard lock(mutex_);
    keys_.clear();
    decoders_.clear();
  }

 private:
  struct Decoder {
    EVP_PKEY* key = nullptr;  // where the decoder puts what it decodes
    std::unique_ptr<OSSL_DECODER_CTX, OpensslDeleter<OSSL_DECODER_CTX_free>> ctx;
  };

  EvpPkeyPtr decode(const std::string& pem, const char* type) {
    Decoder& d = decoders_[type];  // a map node: d.key stays where the decoder points
    if (!d.ctx) {
      d.ctx.reset(
          OSSL_DECODER_CTX_new_for_pkey(&d.key, "PEM", nullptr, type, OSSL_KEYMGMT_SELECT_KEYPAIR, nullptr, nullptr));
    }
    d.key = nullptr;
    auto* data = reinterpret_cast<const unsigned char*>(pem.data());
    size_t len = pem.size();
    const bool decoded = d.ctx && OSSL_DECODER_from_data(d.ctx.get(), &data, &len) == 1 && d.key != nullptr;
    EvpPkeyPtr key(std::exchange(d.key, nullptr));
    if (!decoded) {
      ERR_clear_error();
      decoders_.erase(type);  // start afresh next time
      return nullptr;
    }
    ++counters().keys_parsed;
    return key;
  }

  std::mutex mutex_;
  std::unordered_map<std::string, EvpPkeyPtr> keys_;
  std::map<std::string, Decoder> decoders_;
};

ParsedKeys& parsed_keys() {
  // Initialized first, OpenSSL is torn down at exit after these keys and decoders.
  static const bool openssl_ready = OPENSSL_init_crypto(0, nullptr) == 1;
  static ParsedKeys keys;
  (void)openssl_ready;
  return keys;
}

struct PooledKey {
  std::string pem;
  EvpPkeyPtr key;
};

EvpPkeyPtr generate_key(const KeySpec& spec) {
  EVP_PKEY* key = nullptr;
  switch (spec.algorithm) {
    case KeyAlgorithm::kRsa:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(spec.rsa_bits));
      break;
    case KeyAlgorithm::kEc: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", spec.curve.c_str()); break;
    case KeyAlgorithm::kEd25519: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); break;
  }
  if (key == nullptr) fail("generating " + spec.name());
  ++counters().keys_generated;
  return EvpPkeyPtr(key);
}

std::string key_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) fail("encoding a key");
  return bio_text(bio.get());
}

fs::path pool_path(const fs::path& cache_dir, const KeySpec& spec, size_t slot) {
  return cache_dir / "keys" / (spec.name() + "-" + std::to_string(slot) + ".pem");
}

std::optional<PooledKey> read_pooled(const fs::path& path, const KeySpec& spec) {
  auto pem = read_file(path);
  if (!pem) return std::nullopt;
  EvpPkeyPtr key = parsed_keys().get(*pem, openssl_key_type(spec));
  if (!key) return std::nullopt;
  return PooledKey{std::move(*pem), std::move(key)};
}

// The pool's key for (spec, slot), generated if missing. A new key is written
// aside and linked into place: the first process to link wins, the others
// drop theirs and use the winner's, so every chain agrees on the pool.
PooledKey pooled_key(const fs::path& cache_dir, const KeySpec& spec, size_t slot) {
  const fs::path path = pool_path(cache_dir, spec, slot);
  if (auto existing = read_pooled(path, spec)) return std::move(*existing);

  PooledKey mine{"", generate_key(spec)};
  mine.pem = key_pem(mine.key.get());
  fs::create_directories(path.parent_path());
  const fs::path tmp = temp_beside(path);
  write_file(tmp, mine.pem);
  const bool linked = ::link(tmp.c_str(), path.c_str()) == 0;
  const int link_error = errno;
  if (!linked && link_error == EEXIST) {
    if (auto theirs = read_pooled(path, spec)) {
      fs::remove(tmp);
      return std::move(*theirs);
    }
  }
  // Ours is in place; or the file there is damaged, or the file system has no
  // hard links: replace it.
  if (linked) {
    fs::remove(tmp);
  } else {
    fs::rename(tmp, path);
  }
  parsed_keys().put(mine.pem, mine.key.get());
  return mine;
}

// Runs work(0) .. work(count - 1) on every core; rethrows the first failure.
void on_every_core(size_t count, const std::function<void(size_t)>& work) {
  const size_t workers = std::min<size_t>(count, std::max(1u, std::thread::hardware_concurrency()));
  if (workers <= 1) {
    for (size_t i = 0; i < count; ++i) work(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::future<void>> done;
  for (size_t w = 0; w < workers; ++w) {
    done.push_back(std::async(std::launch::async, [&] {
      for (size_t i = next++; i < count; i = next++) work(i);
    }));
  }
  for (auto& d : done) d.get();
}

// Generates the missing pool keys for `wanted` (spec, slot) on every core,
// largest first, so the slowest key does not start last.
void fill_key_pool(const fs::path& cache_dir, const std::vector<std::pair<KeySpec, size_t>>& wanted) {
  std::map<std::pair<std::string, size_t>, KeySpec> missing_by_name;
  for (const auto& [spec, slot] : wanted) {
    if (!fs::exists(pool_path(cache_dir, spec, slot))) missing_by_name.try_emplace({spec.name(), slot}, spec);
  }
  std::vector<std::pair<KeySpec, size_t>> missing;
  for (const auto& [name_slot, spec] : missing_by_name) missing.emplace_back(spec, name_slot.second);
  auto cost = [](const KeySpec& k) { return k.algorithm == KeyAlgorithm::kRsa ? k.rsa_bits : 0; };
  std::stable_sort(missing.begin(), missing.end(),
                   [&](const auto& a, const auto& b) { return cost(a.first) > cost(b.first); });
  on_every_core(missing.size(), [&](size_t i) { pooled_key(cache_dir, missing[i].first, missing[i].second); });
}

// ---- Certificates ----------------------------------------------------------

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

struct Generated {
  Chain chain;
  std::vector<std::string> key_pems;
};

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
    out.chain.certs.push_back(std::move(c));
    out.key_pems.push_back(std::move(key.pem));
  }
  return out;
}

// ---- Generations: <cache>/<hash>/gen-<n>, immutable once renamed in --------

std::string cert_file(size_t i) {
  return "cert-" + std::to_string(i) + ".pem";
}
std::string key_file(size_t i) {
  return "key-" + std::to_string(i) + ".pem";
}

std::optional<unsigned> generation_number(const std::string& name) {
  unsigned n = 0;
  if (!name.starts_with("gen-")) return std::nullopt;
  auto [end, ec] = std::from_chars(name.data() + 4, name.data() + name.size(), n);
  if (ec != std::errc() || end != name.data() + name.size()) return std::nullopt;
  return n;
}

std::string generation_name(unsigned n) {
  std::string digits = std::to_string(n);
  return "gen-" + std::string(digits.size() < 6 ? 6 - digits.size() : 0, '0') + digits;
}

// The newest generation's number, complete or not; 0 when there is none.
unsigned newest_generation(const fs::path& spec_dir) {
  unsigned newest = 0;
  std::error_code ec;
  for (fs::directory_iterator it(spec_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (auto n = generation_number(it->path().filename().string())) newest = std::max(newest, *n);
  }
  return newest;
}

std::optional<std::time_t> generated_at(int dir_fd) {
  auto text = read_at(dir_fd, "generated");
  long long t = 0;
  if (!text || std::from_chars(text->data(), text->data() + text->size(), t).ec != std::errc()) return std::nullopt;
  return static_cast<std::time_t>(t);
}

bool fresh(std::time_t generated, std::time_t now) {
  return now - generated <= kPkiMaxAgeSeconds && generated - now <= kClockSkewSeconds;
}

std::optional<IssuedCert> load_cert(int dir_fd, size_t i, const KeySpec& key_spec) {
  IssuedCert c;
  auto pem = read_at(dir_fd, cert_file(i).c_str());
  auto key = read_at(dir_fd, key_file(i).c_str());
  if (!pem || !key) return std::nullopt;
  BioPtr bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  c.cert.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  c.key = parsed_keys().get(*key, openssl_key_type(key_spec));
  if (!c.cert || !c.key || EVP_PKEY_eq(X509_get0_pubkey(c.cert.get()), c.key.get()) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  c.pem = std::move(*pem);
  c.der_size = static_cast<size_t>(i2d_X509(c.cert.get(), nullptr));
  return c;
}

// The chain in `gen_dir` if it is complete, intact and fresh at `now`.
std::optional<Chain> load_generation(const fs::path& gen_dir, const ChainSpec& spec, std::time_t now) {
  UniqueFd dir(::open(gen_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0 || ::faccessat(dir.get(), ".complete", F_OK, 0) != 0) return std::nullopt;
  auto generated = generated_at(dir.get());
  if (!generated || !fresh(*generated, now)) return std::nullopt;
  Chain chain;
  chain.dir = gen_dir;
  for (size_t i = 0; i < spec.certs.size(); ++i) {
    auto c = load_cert(dir.get(), i, spec.certs[i].key);
    if (!c) return std::nullopt;
    chain.certs.push_back(std::move(*c));
  }
  ++counters().chains_loaded;
  return chain;
}

std::optional<Chain> load_newest(const fs::path& spec_dir, const ChainSpec& spec, std::time_t now) {
  const unsigned newest = newest_generation(spec_dir);
  if (newest == 0) return std::nullopt;
  return load_generation(spec_dir / generation_name(newest), spec, now);
}

// Writes generation `n` aside and renames it in; the caller holds the lock.
fs::path store_generation(const fs::path& spec_dir, unsigned n, const Generated& g, const std::string& canonical,
                          std::time_t now) {
  const fs::path dir = spec_dir / generation_name(n);
  const fs::path tmp = temp_beside(dir);
  fs::create_directories(tmp);
  for (size_t i = 0; i < g.chain.certs.size(); ++i) {
    write_file(tmp / cert_file(i), g.chain.certs[i].pem);
    write_file(tmp / key_file(i), g.key_pems[i]);
  }
  write_file(tmp / "generated", std::to_string(static_cast<long long>(now)) + "\n");
  write_file(tmp / "spec.txt", canonical + "\n");
  write_file(tmp / ".complete", "");
  fs::rename(tmp, dir);
  return dir;
}

// Drops what crashed writers left and generations superseded long ago; the
// caller holds the lock, so no writer is at work. Best effort.
void tidy(const fs::path& spec_dir, unsigned current, std::time_t now) {
  std::error_code ec;
  std::vector<fs::path> doomed;
  for (fs::directory_iterator it(spec_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    auto n = generation_number(name);
    if (name.starts_with(".tmp-")) {
      doomed.push_back(it->path());
    } else if (n && *n < current) {
      UniqueFd dir(::open(it->path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      auto generated = dir.get() < 0 ? std::nullopt : generated_at(dir.get());
      if (!generated || now - *generated > kRetentionSeconds || *generated - now > kClockSkewSeconds)
        doomed.push_back(it->path());
    }
  }
  for (const auto& path : doomed) fs::remove_all(path, ec);
}

fs::path spec_dir_for(const ChainSpec& spec, const fs::path& cache_dir) {
  return cache_dir / sha256_hex(spec.canonical()).substr(0, 24);
}

Chain issue_resolved(const ChainSpec& spec, const std::vector<ResolvedCert>& resolved, const fs::path& cache_dir,
                     std::time_t now) {
  const fs::path spec_dir = spec_dir_for(spec, cache_dir);
  if (auto cached = load_newest(spec_dir, spec, now)) return std::move(*cached);

  fs::create_directories(spec_dir);
  FileLock lock(spec_dir / ".lock");
  // Another thread or process may have made it while we waited: use theirs.
  if (auto cached = load_newest(spec_dir, spec, now)) return std::move(*cached);
  Generated g = generate(spec, resolved, cache_dir, now);
  const unsigned n = newest_generation(spec_dir) + 1;
  g.chain.dir = store_generation(spec_dir, n, g, spec.canonical(), now);
  tidy(spec_dir, n, now);
  ++counters().chains_generated;
  return std::move(g.chain);
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

std::string IssuedCert::key_type() const {
  switch (EVP_PKEY_get_base_id(key.get())) {
    case EVP_PKEY_RSA: return "RSA";
    case EVP_PKEY_EC: return "EC";
    case EVP_PKEY_ED25519: return "ED25519";
    default: return "unknown";
  }
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

void validate(const ChainSpec& spec) {
  (void)resolve(spec);
}

Chain issue_chain_at(const ChainSpec& spec, const std::filesystem::path& cache_dir, std::time_t now) {
  return issue_resolved(spec, resolve(spec), cache_dir, now);
}

Chain issue_chain(const ChainSpec& spec, const std::filesystem::path& cache_dir) {
  return issue_chain_at(spec, cache_dir, std::time(nullptr));
}

// Loading stays on one thread: it is mostly OpenSSL 3.0 decoding public keys,
// which contends on OpenSSL's locks and gains nothing from more threads.
// Generating runs on every core: first the keys, then the certificates.
namespace {

// Another Chain holding the same certificates and keys (reference counted).
Chain share(const Chain& chain) {
  Chain copy;
  copy.dir = chain.dir;
  for (const auto& c : chain.certs) {
    IssuedCert shared;
    X509_up_ref(c.cert.get());
    shared.cert.reset(c.cert.get());
    EVP_PKEY_up_ref(c.key.get());
    shared.key.reset(c.key.get());
    shared.pem = c.pem;
    shared.der_size = c.der_size;
    copy.certs.push_back(std::move(shared));
  }
  return copy;
}

}  // namespace

std::vector<Chain> issue_chains(const std::vector<ChainSpec>& specs, const std::filesystem::path& cache_dir) {
  const std::time_t now = std::time(nullptr);
  std::vector<std::vector<ResolvedCert>> resolved;
  for (const auto& spec : specs) resolved.push_back(resolve(spec));  // every spec checked before any work

  // Scenarios often share a chain: each distinct spec is loaded or made once.
  std::vector<size_t> first(specs.size());
  std::map<std::string, size_t> seen;
  for (size_t s = 0; s < specs.size(); ++s) first[s] = seen.emplace(specs[s].canonical(), s).first->second;

  std::vector<std::optional<Chain>> chains(specs.size());
  for (size_t s = 0; s < specs.size(); ++s) {
    if (first[s] == s) chains[s] = load_newest(spec_dir_for(specs[s], cache_dir), specs[s], now);
  }
  std::vector<std::pair<KeySpec, size_t>> wanted;
  for (size_t s = 0; s < specs.size(); ++s) {
    if (chains[s] || first[s] != s) continue;
    for (const auto& r : resolved[s]) wanted.emplace_back(specs[s].certs[r.key_owner].key, r.key_owner);
  }
  if (!wanted.empty()) {
    fill_key_pool(cache_dir, wanted);
    on_every_core(specs.size(), [&](size_t s) {
      if (!chains[s] && first[s] == s) chains[s] = issue_resolved(specs[s], resolved[s], cache_dir, now);
    });
  }
  std::vector<Chain> out;
  for (size_t s = 0; s < specs.size(); ++s) out.push_back(first[s] == s ? share(*chains[s]) : share(*chains[first[s]]));
  return out;
}

PkiCounters pki_counters() {
  const Counters& c = counters();
  return {c.keys_generated.load(), c.keys_parsed.load(), c.chains_generated.load(), c.chains_loaded.load()};
}

void forget_parsed_keys() {
  parsed_keys().clear();
}

}  // namespace shakedown::servers

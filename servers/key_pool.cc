#include "key_pool.h"

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <mutex>
#include <unordered_map>

#include "pki.h"
#include "pki_files.h"
#include "pki_internal.h"

namespace shakedown::servers {
namespace pki_internal {
namespace fs = std::filesystem;
namespace {

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

// A new key for `path`, written aside and linked into place: the first
// process to link wins, the others drop theirs and use the winner's, so every
// chain agrees on the pool.
PooledKey publish_new_key(const fs::path& path, const KeySpec& spec) {
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

}  // namespace

PooledKey pooled_key(const fs::path& cache_dir, const KeySpec& spec, size_t slot) {
  const fs::path path = pool_path(cache_dir, spec, slot);
  if (auto existing = read_pooled(path, spec)) return std::move(*existing);
  return publish_new_key(path, spec);
}

EvpPkeyPtr parse_private_key(const std::string& pem, const KeySpec& spec) {
  return parsed_keys().get(pem, openssl_key_type(spec));
}

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

}  // namespace pki_internal

void forget_parsed_keys() {
  pki_internal::parsed_keys().clear();
}

}  // namespace shakedown::servers

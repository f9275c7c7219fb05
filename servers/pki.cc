// The chain cache: generations stored, found, reloaded and tidied; and the
// issue_chain* entry points over it (pki.h).

#include "pki.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <utility>

#include "cert_issuer.h"
#include "key_pool.h"
#include "pki_files.h"
#include "pki_internal.h"

namespace shakedown::servers {
namespace fs = std::filesystem;
using namespace pki_internal;
namespace {

// A generation stamped this far in the future means the clock went back: regenerate.
constexpr std::time_t kClockSkewSeconds = 3600;
// Superseded generations stay this long for processes that still use their files.
constexpr std::time_t kRetentionSeconds = 3 * 24 * 3600;

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

std::optional<IssuedCert> load_cert(int dir_fd, size_t i, const CertSpec& spec) {
  IssuedCert c;
  auto pem = read_at(dir_fd, cert_file(i).c_str());
  auto key = read_at(dir_fd, key_file(i).c_str());
  if (!pem || !key) return std::nullopt;
  BioPtr bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  c.cert.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  c.key = parse_private_key(*key, spec.key);
  if (!c.cert || !c.key || EVP_PKEY_eq(X509_get0_pubkey(c.cert.get()), c.key.get()) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  c.pem = std::move(*pem);
  c.der_size = static_cast<size_t>(i2d_X509(c.cert.get(), nullptr));
  c.signature_hash = spec.signature_hash;
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
    auto c = load_cert(dir.get(), i, spec.certs[i]);
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
    shared.signature_hash = c.signature_hash;
    copy.certs.push_back(std::move(shared));
  }
  return copy;
}

}  // namespace

std::filesystem::path default_pki_cache() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return std::filesystem::path("cache") / "pki";
  return self.parent_path().parent_path() / "cache" / "pki";
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

}  // namespace shakedown::servers

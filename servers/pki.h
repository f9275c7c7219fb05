#pragma once
// PKI: certificate chains generated at run time from a declarative spec
// (chain_spec.h) with OpenSSL's C API, and cached, so a second run generates
// nothing (RSA-4096 keys take seconds). Keys come from a pool shared by every
// chain (key_pool.h); chains are cached by the spec's content hash and
// regenerated (same keys) when their validity, relative to generation time,
// could have drifted. chain_facts.h describes an issued chain.
//
// Cache layout (every file is written aside, then linked or renamed into place):
//   <cache_dir>/keys/<key>-<slot>.pem     pooled private keys, e.g. rsa-2048-0.pem;
//                                         the first writer wins, never replaced
//   <cache_dir>/<hash>/.lock              held while a generation is made
//   <cache_dir>/<hash>/gen-<n>/           one generation, immutable once complete:
//       cert-<i>.pem key-<i>.pem          certificate i and its private key
//       generated                         seconds since the epoch at generation
//       spec.txt .complete                the canonical spec; the completeness marker

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "chain_spec.h"
#include "openssl_ptr.h"

namespace shakedown::servers {

// One certificate as issued; chain_facts.h describes it.
struct IssuedCert {
  X509Ptr cert;
  EvpPkeyPtr key;  // shared with other chains using the same pooled key: do not modify
  std::string pem;
  size_t der_size = 0;
  std::string signature_hash;  // its spec's: "sha256"; Ed25519 signers ignore it
};

struct Chain {
  std::vector<IssuedCert> certs;  // root first, leaf last
  std::filesystem::path dir;      // the generation's directory; its files never change

  const IssuedCert& root() const { return certs.front(); }
  const IssuedCert& leaf() const { return certs.back(); }
  std::filesystem::path root_pem_path() const { return dir / "cert-0.pem"; }
};

// Where chains are cached unless told otherwise: <prefix>/cache/pki for the
// running program at <prefix>/bin/<name> (build/cache/pki in a build tree).
std::filesystem::path default_pki_cache();

// Returns the chain for `spec`, from `cache_dir` when it was made less than
// kPkiMaxAgeSeconds ago, else generating it (with pooled keys) and storing it.
// Safe to call from several threads and processes at once: they all end with
// the same chain. Throws std::runtime_error naming what failed; an invalid
// spec names the certificate and field, e.g. "certs[2].issuer".
Chain issue_chain(const ChainSpec& spec, const std::filesystem::path& cache_dir);

// The same for many chains, which are all validated first; the keys they miss
// are generated on every core, then their certificates.
std::vector<Chain> issue_chains(const std::vector<ChainSpec>& specs, const std::filesystem::path& cache_dir);

// issue_chain with `now` (seconds since the epoch) as the clock, for tests.
Chain issue_chain_at(const ChainSpec& spec, const std::filesystem::path& cache_dir, std::time_t now);

// Validity offsets are whole days, so a generation keeps its intent (valid,
// expired, not yet valid) for at least a day; regenerating after half of that
// leaves every run half a day of margin.
constexpr std::time_t kPkiMaxAgeSeconds = 12 * 3600;

// What this process did, for tests and benchmarks.
struct PkiCounters {
  uint64_t keys_generated = 0;    // new keys in the pool
  uint64_t keys_parsed = 0;       // private keys decoded from PEM
  uint64_t chains_generated = 0;  // generations written
  uint64_t chains_loaded = 0;     // chains read from the cache
};
PkiCounters pki_counters();

// Private keys are decoded once per process and shared between chains; this
// forgets them, so a benchmark can time loading as a fresh process would.
void forget_parsed_keys();

}  // namespace shakedown::servers

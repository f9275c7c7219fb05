#pragma once
// PKI: certificate chains generated at run time from a declarative spec with
// OpenSSL's C API, and cached, so a second run generates nothing (RSA-4096
// keys take seconds). Keys come from a pool shared by every chain; chains are
// cached by the spec's content hash and regenerated (same keys) when their
// validity, relative to generation time, could have drifted.
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

#include "openssl_ptr.h"

namespace shakedown::servers {

enum class KeyAlgorithm { kRsa, kEc, kEd25519 };

struct KeySpec {
  KeyAlgorithm algorithm = KeyAlgorithm::kRsa;
  int rsa_bits = 2048;          // kRsa
  std::string curve = "P-256";  // kEc: P-256, P-384, P-521

  // Parses "rsa-2048" (512 to 16384 bits), "ec-p256", "ec-p384", "ec-p521",
  // "ed25519"; nullopt for anything else.
  static std::optional<KeySpec> parse(const std::string& text);
  std::string name() const;  // the text form parse() takes
};

// One certificate of a chain. Unless told otherwise, certificate i is signed by
// certificate i-1, the root (0) signs itself, every certificate but the last
// is a CA, and the last (the leaf) is named after the chain's hostname.
// Validity is relative to the time the chain is generated.
struct CertSpec {
  KeySpec key;                               // with same_key_as: must name that certificate's key
  std::string signature_hash = "sha256";     // sha1, sha256, sha384, sha512; Ed25519 signers ignore it
  int extra_sans = 0;                        // padding DNS names after `sans`, to grow the chain
  std::optional<std::string> common_name{};  // default: the hostname (leaf) or a descriptive name; "" for none
  std::vector<std::string> sans{};           // "DNS:name", "IP:1.2.3.4"; empty: {"DNS:<hostname>"} on the leaf
  int not_before_days = -1;                  // e.g. {-30, -1}: expired; {1, 30}: not yet valid
  int not_after_days = 365;
  std::optional<int> path_length{};     // basicConstraints pathlen (CAs only)
  std::optional<size_t> issuer{};       // the signer's index, a CA's; own index: self-signed
  std::optional<size_t> same_key_as{};  // reuse the key of an earlier certificate (cross-signing)
  std::optional<bool> ca{};             // default: every certificate but the last
};

struct ChainSpec {
  std::vector<CertSpec> certs;  // root first, leaf last; at least two
  std::string hostname;         // the leaf's default CN and DNS name

  static std::vector<std::string> known_hashes();
  std::string canonical() const;  // what the cache is keyed by: every field
};

struct IssuedCert {
  X509Ptr cert;
  EvpPkeyPtr key;  // shared with other chains using the same pooled key: do not modify
  std::string pem;
  size_t der_size = 0;

  std::string key_type() const;             // "RSA", "EC", "ED25519"
  int key_bits() const;                     // 2048, 256, 256 (Ed25519), ...
  std::string signature_algorithm() const;  // "sha1WithRSAEncryption", ...
  std::string subject() const;
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

// Throws std::runtime_error naming the first invalid field; issue_chain calls it.
void validate(const ChainSpec& spec);

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

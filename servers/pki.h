#pragma once
// PKI: certificate chains generated at run time from a declarative spec with
// OpenSSL's C API, and cached by the spec's content hash, so a second run
// generates nothing (RSA-4096 keys take seconds).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "openssl_ptr.h"

namespace shakedown::servers {

enum class KeyAlgorithm { kRsa, kEc };

struct KeySpec {
  KeyAlgorithm algorithm = KeyAlgorithm::kRsa;
  int rsa_bits = 2048;          // kRsa
  std::string curve = "P-256";  // kEc: P-256, P-384, P-521

  // Parses "rsa-2048", "ec-p256", ...; nullopt for anything else.
  static std::optional<KeySpec> parse(const std::string& text);
  std::string name() const;  // the text form parse() takes
};

// One certificate of a chain. Certificate i is signed by certificate i-1;
// certificate 0 (the root) signs itself.
struct CertSpec {
  KeySpec key;
  std::string signature_hash = "sha256";  // sha1, sha256, sha384, sha512
  int extra_sans = 0;                     // padding DNS names on the leaf, to grow the chain
};

struct ChainSpec {
  std::vector<CertSpec> certs;  // root first, leaf last; at least two
  std::string hostname;         // the leaf's CN and first DNS name

  static std::vector<std::string> known_hashes();
  std::string canonical() const;  // what the cache is keyed by
};

struct IssuedCert {
  X509Ptr cert;
  EvpPkeyPtr key;
  std::string pem;
  size_t der_size = 0;

  std::string key_type() const;             // "RSA", "EC"
  int key_bits() const;                     // 2048, 256, ...
  std::string signature_algorithm() const;  // "sha1WithRSAEncryption", ...
  std::string subject() const;
};

struct Chain {
  std::vector<IssuedCert> certs;  // root first, leaf last
  std::filesystem::path dir;      // where the PEM files are

  const IssuedCert& root() const { return certs.front(); }
  const IssuedCert& leaf() const { return certs.back(); }
  std::filesystem::path root_pem_path() const { return dir / "cert-0.pem"; }
};

// Where chains are cached unless told otherwise: <prefix>/cache/pki for the
// running program at <prefix>/bin/<name> (build/cache/pki in a build tree).
std::filesystem::path default_pki_cache();

// Returns the chain for `spec`, from `cache_dir` when it was made before,
// else generating and storing it. Throws std::runtime_error naming what failed.
Chain issue_chain(const ChainSpec& spec, const std::filesystem::path& cache_dir);

}  // namespace shakedown::servers

#pragma once
// Certificate chains as data: what a scenario asks the PKI for, and what a
// spec means once its defaults are applied. Nothing here touches a key or a
// file; pki.h issues chains from these specs.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

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

// What a CertSpec means in its chain, defaults applied.
struct ResolvedCert {
  bool leaf = false;  // the last certificate
  bool ca = false;
  size_t issuer = 0;              // own index: self-signed
  size_t key_owner = 0;           // whose pool slot the key comes from (same_key_as, followed)
  std::string cn;                 // empty: no CN
  std::vector<std::string> sans;  // with the padding names
};

// Applies the defaults to every certificate of `spec`. Throws
// std::runtime_error naming the first invalid field, e.g. "certs[2].issuer".
std::vector<ResolvedCert> resolve(const ChainSpec& spec);

// resolve() for its checks alone; issue_chain calls it.
void validate(const ChainSpec& spec);

}  // namespace shakedown::servers

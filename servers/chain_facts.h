#pragma once
// What an issued chain looks like to someone reasoning about a handshake
// (the diagnosis): each certificate's place, names, dates, key and signature,
// read from the certificates themselves. Plain values: a reader needs no
// OpenSSL.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "pki.h"

namespace shakedown::servers {

struct CertFacts {
  std::string role;                    // "root", "intermediate 1", "leaf": its place in the chain
  std::string subject;                 // one line, "/O=shakedown/CN=cloud.shakedown.test"
  std::string key_type;                // "RSA", "EC", "ED25519"
  int key_bits = 0;                    // 2048, 256, 256 (Ed25519), ...
  std::string signature_algorithm;     // "sha1WithRSAEncryption", "ecdsa-with-SHA256", ...
  std::string signature_hash;          // its spec's: "sha1"; Ed25519 signers ignore it
  size_t der_size = 0;                 // its DER encoding's size in bytes
  std::string not_after;               // "2026-11-28 18:15:03 UTC"; "unknown" if unreadable
  std::vector<std::string> dns_names;  // its subjectAltName DNS entries, in order
  std::optional<int> path_length;      // a CA's pathLenConstraint; none when absent
};

// The facts of every certificate of `chain`, root first, as chain.certs.
std::vector<CertFacts> describe_chain(const Chain& chain);

}  // namespace shakedown::servers

#pragma once
// The key pool: private keys shared by every chain, so a suite's chains cost
// a handful of key generations (RSA-4096 takes seconds), not one per
// certificate. A pooled key is named by its spec and a slot (the index of
// the certificate that owns it in its chain):
//   <cache_dir>/keys/<key>-<slot>.pem     e.g. rsa-2048-0.pem
// The first writer of a slot wins and its key is never replaced. Keys are
// decoded once per process (forget_parsed_keys() in pki.h forgets them).
// Safe to call from several threads and processes at once.

#include <cstddef>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "chain_spec.h"
#include "openssl_ptr.h"

namespace shakedown::servers::pki_internal {

struct PooledKey {
  std::string pem;
  EvpPkeyPtr key;  // shared with every user of the same PEM: do not modify
};

// The pool's key for (spec, slot), generated if missing. Throws
// std::runtime_error if OpenSSL cannot generate or encode it.
PooledKey pooled_key(const std::filesystem::path& cache_dir, const KeySpec& spec, size_t slot);

// Generates the pool's missing keys among `wanted` (spec, slot) on every
// core, largest first, so the slowest key does not start last.
void fill_key_pool(const std::filesystem::path& cache_dir, const std::vector<std::pair<KeySpec, size_t>>& wanted);

// A private key of `spec`'s type from its PEM text, decoded once per
// process; null when the text is no such key.
EvpPkeyPtr parse_private_key(const std::string& pem, const KeySpec& spec);

}  // namespace shakedown::servers::pki_internal

#pragma once
// Certificate issuing: a resolved chain spec made into certificates, each
// signed by its issuer with the spec's hash, over keys from the key pool.
// Nothing is cached here; pki.cc stores and reloads what this makes.

#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "chain_spec.h"
#include "pki.h"

namespace shakedown::servers::pki_internal {

struct Generated {
  Chain chain;                        // no dir yet: it is not stored
  std::vector<std::string> key_pems;  // the private key of each certificate, as PEM
};

// Issues every certificate of `spec` (resolved as `resolved`) at `now`,
// generating the pool keys it misses in `cache_dir`. Throws
// std::runtime_error naming what OpenSSL refused.
Generated generate(const ChainSpec& spec, const std::vector<ResolvedCert>& resolved,
                   const std::filesystem::path& cache_dir, std::time_t now);

}  // namespace shakedown::servers::pki_internal

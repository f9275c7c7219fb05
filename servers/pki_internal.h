#pragma once
// What the PKI's own files share and pki.h does not show: the process's
// counters behind pki_counters(), the error for a failed OpenSSL call, and
// a worker pool for key generation and chain issuing.

#include <openssl/bio.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace shakedown::servers::pki_internal {

struct Counters {
  std::atomic<uint64_t> keys_generated{0}, keys_parsed{0}, chains_generated{0}, chains_loaded{0};
};
Counters& counters();

// Throws std::runtime_error "PKI: <what>: <OpenSSL's queued errors>".
[[noreturn]] void fail(const std::string& what);

// A memory BIO's contents.
std::string bio_text(BIO* bio);

// Runs work(0) .. work(count - 1) on every core; rethrows the first failure.
void on_every_core(size_t count, const std::function<void(size_t)>& work);

}  // namespace shakedown::servers::pki_internal

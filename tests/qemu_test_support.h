#pragma once
// What the tests that boot the firmware under QEMU share: the skip when
// qemu-system-arm is missing, the test chain, and a CA as Mbed TLS takes it.

#include <catch2/catch.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "subprocess.h"
#include "test_server.h"

namespace shakedown::qemu_test {

inline constexpr const char* kHostname = "cloud.shakedown.test";

// True, after saying SKIPPED (which ctest's SKIP_REGEX reads), without QEMU.
inline bool qemu_missing() {
  if (!process::find_in_path("qemu-system-arm").empty()) return false;
  std::cout << "SKIPPED: qemu-system-arm is not installed (apt-get install qemu-system-arm)\n";
  return true;
}

// ECDSA P-256 root and leaf for kHostname, from the test PKI cache.
inline const servers::Chain& ec_chain() {
  static const servers::Chain chain = servers::issue_chain(
      {{{*servers::KeySpec::parse("ec-p256"), "sha256", 0}, {*servers::KeySpec::parse("ec-p256"), "sha256", 0}},
       kHostname},
      SHAKEDOWN_TEST_PKI_CACHE);
  return chain;
}

// PEM with its terminating NUL, as Mbed TLS's parser requires.
inline std::vector<uint8_t> pem_with_nul(const std::string& pem) {
  std::vector<uint8_t> bytes(pem.begin(), pem.end());
  bytes.push_back(0);
  return bytes;
}

}  // namespace shakedown::qemu_test

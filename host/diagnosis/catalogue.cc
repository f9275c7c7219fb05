#include "catalogue.h"

#include <algorithm>
#include <array>

namespace shakedown::diagnosis {
namespace {

constexpr std::array<std::string_view, 29> kIds = {
    "no-shared-ciphersuite",
    "connection-reset-after-client-hello",
    "connection-closed-after-client-hello",
    "handshake-timeout",
    "ca-signature-hash-disabled",
    "server-cert-signature-hash-rejected",
    "rsa-key-too-large-for-mpi",
    "record-too-large-for-input-buffer",
    "cert-not-yet-valid-clock-unset",
    "cert-expired",
    "hostname-mismatch",
    "untrusted-ca",
    "verify-optional-untrusted",
    "protocol-version-mismatch",
    "legacy-protocol-negotiated",
    "client-certificate-required",
    "no-shared-group",
    "server-key-type-disabled",
    "sni-required",
    "max-fragment-length-not-honoured",
    "heap-exhausted",
    "server-suites-unusable-with-certificate",
    "cert-not-yet-valid",
    "alert-after-client-hello",
    "hostname-not-set",
    "handshake-message-fragmented",
    "no-shared-signature-algorithm",
    "handshake-message-too-large-for-input-buffer",
    "unexplained",
};

}  // namespace

std::span<const std::string_view> known_finding_ids() {
  return kIds;
}

bool is_known_finding(std::string_view id) {
  return std::find(kIds.begin(), kIds.end(), id) != kIds.end();
}

}  // namespace shakedown::diagnosis

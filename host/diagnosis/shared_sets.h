#pragma once
// What the ClientHello and the server have in common: the versions, suites,
// groups and signature schemes both could use. A rule that says "no shared
// X" asks these first, so it never fires on sets that overlap. Internal to
// the diagnosis module.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "diagnosis.h"

namespace shakedown::diagnosis {

// The suites the client offered, signalling suites left out: from the
// server's capture, or the client's own reading when there is none (s_server).
std::vector<uint16_t> offered_suites(const Evidence& e);
// The versions the client offered (wire ids): from the capture, or what the
// build has when there is none.
std::vector<uint16_t> client_versions(const Evidence& e);
// The highest version the client offered that the server allows; none when
// the ranges do not meet.
std::optional<uint16_t> highest_shared_version(const Evidence& e);
// A suite both could use: a TLS 1.2 suite offered and accepted, or, when
// both allow TLS 1.3, one of the TLS 1.3 suites OpenSSL enables by default.
bool suites_shared(const Evidence& e);
// The offered suites the server accepts.
std::vector<uint16_t> shared_tls12_suites(const Evidence& e);
// A suite whose key exchange is ECDHE (it needs a shared elliptic curve).
bool ecdhe_suite(uint16_t id);

// The server's signature schemes from its OpenSSL list ("RSA+SHA256:
// RSA-PSS+SHA256", or IANA scheme names); none when it sets no list
// (OpenSSL's defaults) or names a form this reading does not know.
std::optional<std::vector<uint16_t>> server_signature_schemes(const ServerView& server);
// The schemes a key of `leaf` can sign with over `version` (RFC 8446 4.2.3
// binds ECDSA to the curve in TLS 1.3 and leaves out PKCS#1 v1.5); empty for
// a key type this reading does not know.
std::vector<uint16_t> schemes_for_key(const CertInfo& leaf, uint16_t version);
// The leaf the server presents; null when the chain is not known.
const CertInfo* server_leaf(const Evidence& e);
// A scheme the server could sign with for this client: offered, fit for its
// key over the version they would agree, and in its own list. None when
// that cannot be told (no leaf, or an unknown key type or list).
std::optional<bool> signature_scheme_shared(const Evidence& e);

// The config change that makes the device offer one of `server_groups`, on
// the build's Mbed TLS line: an elliptic curve's MBEDTLS_ECP_DP_* macro, or
// for finite-field groups what that line has of them (3.6: MBEDTLS_DHM_C,
// over TLS 1.3; 2.28: none).
std::string group_fix(const Evidence& e, const std::vector<uint16_t>& server_groups, bool tls13_shared);

}  // namespace shakedown::diagnosis

#pragma once
// Named groups (RFC 8446 4.2.7, RFC 7919): the IANA name the host prints,
// the names OpenSSL takes in a groups list, and the Mbed TLS macro that
// enables the group in a device config.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace shakedown::tls {

struct NamedGroup {
  uint16_t id = 0;
  std::string_view name;                          // IANA: "secp256r1", "x25519", "ffdhe2048"
  std::array<std::string_view, 3> openssl_names;  // what SSL_CTX_set1_groups_list takes: "P-256", "prime256v1"
  std::string_view mbedtls_macro;                 // "MBEDTLS_ECP_DP_SECP256R1_ENABLED"; empty: none (FFDHE)
  bool ffdhe = false;                             // a finite-field group (ids 0x0100..0x01ff)
};

std::span<const NamedGroup> all_named_groups();

// The row for `id`; nullptr for an id the table lacks.
const NamedGroup* named_group(uint16_t id);

// The group with this IANA or OpenSSL name (exact case); nullptr if none.
const NamedGroup* named_group(std::string_view name);

// The IANA name, or "0x001f" for an id the table lacks.
std::string group_name(uint16_t id);

// Whether a group id, known or not, can serve TLS 1.2's ECDHE: only the
// elliptic curves below 0x0100 can (RFC 8422); FFDHE and hybrid groups are
// of no use to it.
constexpr bool serves_tls12_ecdhe(uint16_t id) {
  return id < 0x0100;
}

}  // namespace shakedown::tls

#pragma once
// Signature schemes (RFC 8446 4.2.3): id and IANA name. The host prints
// offered schemes as hex ids today; the names serve fix text and tests.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace shakedown::tls {

struct SignatureScheme {
  uint16_t id = 0;
  std::string_view name;  // "rsa_pkcs1_sha256", "ecdsa_secp256r1_sha256"
};

std::span<const SignatureScheme> all_signature_schemes();

// The row for `id`; nullptr for an id the table lacks.
const SignatureScheme* signature_scheme(uint16_t id);

// The IANA name, or "0x0a0a" for an id the table lacks.
std::string signature_scheme_name(uint16_t id);

// rsa_pss_rsae_sha256/384/512: RSA-PSS with an rsaEncryption key, the
// schemes Mbed TLS 3.x offers from its TLS 1.3 list.
constexpr bool is_rsa_pss_rsae(uint16_t id) {
  return id >= 0x0804 && id <= 0x0806;
}

}  // namespace shakedown::tls

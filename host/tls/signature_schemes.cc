#include "shakedown/tls/signature_scheme.h"

#include <fmt/format.h>

#include <array>

namespace shakedown::tls {
namespace {

constexpr std::array kSchemes = {
    SignatureScheme{0x0201, "rsa_pkcs1_sha1"},
    SignatureScheme{0x0203, "ecdsa_sha1"},
    // TLS 1.2's SHA-224 pairs, which RFC 8446 left out; IANA keeps them under these names.
    SignatureScheme{0x0301, "rsa_sha224"},
    SignatureScheme{0x0303, "ecdsa_sha224"},
    SignatureScheme{0x0401, "rsa_pkcs1_sha256"},
    SignatureScheme{0x0403, "ecdsa_secp256r1_sha256"},
    SignatureScheme{0x0501, "rsa_pkcs1_sha384"},
    SignatureScheme{0x0503, "ecdsa_secp384r1_sha384"},
    SignatureScheme{0x0601, "rsa_pkcs1_sha512"},
    SignatureScheme{0x0603, "ecdsa_secp521r1_sha512"},
    SignatureScheme{0x0804, "rsa_pss_rsae_sha256"},
    SignatureScheme{0x0805, "rsa_pss_rsae_sha384"},
    SignatureScheme{0x0806, "rsa_pss_rsae_sha512"},
    SignatureScheme{0x0807, "ed25519"},
    SignatureScheme{0x0808, "ed448"},
    SignatureScheme{0x0809, "rsa_pss_pss_sha256"},
    SignatureScheme{0x080a, "rsa_pss_pss_sha384"},
    SignatureScheme{0x080b, "rsa_pss_pss_sha512"},
    SignatureScheme{0x081a, "ecdsa_brainpoolP256r1tls13_sha256"},
    SignatureScheme{0x081b, "ecdsa_brainpoolP384r1tls13_sha384"},
    SignatureScheme{0x081c, "ecdsa_brainpoolP512r1tls13_sha512"},
};

}  // namespace

std::span<const SignatureScheme> all_signature_schemes() {
  return kSchemes;
}

const SignatureScheme* signature_scheme(uint16_t id) {
  for (const auto& s : kSchemes) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

std::string signature_scheme_name(uint16_t id) {
  if (const SignatureScheme* s = signature_scheme(id)) return std::string(s->name);
  return fmt::format("0x{:04x}", id);
}

}  // namespace shakedown::tls

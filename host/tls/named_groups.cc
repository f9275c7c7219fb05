#include "shakedown/tls/named_group.h"

#include <fmt/format.h>

namespace shakedown::tls {
namespace {

constexpr bool kFfdhe = true;

constexpr std::array kGroups = {
    NamedGroup{0x0017, "secp256r1", {"P-256", "prime256v1", "secp256r1"}, "MBEDTLS_ECP_DP_SECP256R1_ENABLED"},
    NamedGroup{0x0018, "secp384r1", {"P-384", "secp384r1"}, "MBEDTLS_ECP_DP_SECP384R1_ENABLED"},
    NamedGroup{0x0019, "secp521r1", {"P-521", "secp521r1"}, "MBEDTLS_ECP_DP_SECP521R1_ENABLED"},
    NamedGroup{0x001a, "brainpoolP256r1", {"brainpoolP256r1"}, "MBEDTLS_ECP_DP_BP256R1_ENABLED"},
    NamedGroup{0x001b, "brainpoolP384r1", {"brainpoolP384r1"}, "MBEDTLS_ECP_DP_BP384R1_ENABLED"},
    NamedGroup{0x001c, "brainpoolP512r1", {"brainpoolP512r1"}, "MBEDTLS_ECP_DP_BP512R1_ENABLED"},
    NamedGroup{0x001d, "x25519", {"X25519", "x25519"}, "MBEDTLS_ECP_DP_CURVE25519_ENABLED"},
    NamedGroup{0x001e, "x448", {"X448", "x448"}, "MBEDTLS_ECP_DP_CURVE448_ENABLED"},
    NamedGroup{0x0100, "ffdhe2048", {"ffdhe2048"}, "", kFfdhe},
    NamedGroup{0x0101, "ffdhe3072", {"ffdhe3072"}, "", kFfdhe},
    NamedGroup{0x0102, "ffdhe4096", {"ffdhe4096"}, "", kFfdhe},
    NamedGroup{0x0103, "ffdhe6144", {"ffdhe6144"}, "", kFfdhe},
    NamedGroup{0x0104, "ffdhe8192", {"ffdhe8192"}, "", kFfdhe},
};

}  // namespace

std::span<const NamedGroup> all_named_groups() {
  return kGroups;
}

const NamedGroup* named_group(uint16_t id) {
  for (const auto& g : kGroups) {
    if (g.id == id) return &g;
  }
  return nullptr;
}

const NamedGroup* named_group(std::string_view name) {
  if (name.empty()) return nullptr;
  for (const auto& g : kGroups) {
    if (g.name == name) return &g;
    for (auto alias : g.openssl_names) {
      if (alias == name) return &g;
    }
  }
  return nullptr;
}

std::string group_name(uint16_t id) {
  if (const NamedGroup* g = named_group(id)) return std::string(g->name);
  return fmt::format("0x{:04x}", id);
}

}  // namespace shakedown::tls

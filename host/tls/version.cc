#include "shakedown/tls/version.h"

#include <fmt/format.h>

#include <array>

namespace shakedown::tls {
namespace {

struct VersionRow {
  Version version;
  std::string_view config;   // scenario files
  std::string_view mbedtls;  // mbedtls_ssl_get_version
  std::string_view openssl;  // SSL_get_version
  std::string_view prose;
};

constexpr std::array<VersionRow, 4> kVersions = {{
    {Version::kTls1_0, "tls1.0", "TLSv1.0", "TLSv1", "TLS 1.0"},
    {Version::kTls1_1, "tls1.1", "TLSv1.1", "TLSv1.1", "TLS 1.1"},
    {Version::kTls1_2, "tls1.2", "TLSv1.2", "TLSv1.2", "TLS 1.2"},
    {Version::kTls1_3, "tls1.3", "TLSv1.3", "TLSv1.3", "TLS 1.3"},
}};

constexpr std::array<Version, 4> kAll = {Version::kTls1_0, Version::kTls1_1, Version::kTls1_2, Version::kTls1_3};

// Version is one of the rows by construction (an enum class made from a
// wire id goes through version_from_wire).
const VersionRow& row(Version v) {
  for (const auto& r : kVersions) {
    if (r.version == v) return r;
  }
  return kVersions[2];  // unreachable for the enumerators
}

}  // namespace

std::span<const Version> all_versions() {
  return kAll;
}

std::vector<std::string> config_names() {
  std::vector<std::string> names;
  for (auto v : all_versions()) names.emplace_back(config_name(v));
  return names;
}

std::optional<Version> version_from_wire(uint16_t wire) {
  for (const auto& r : kVersions) {
    if (wire_id(r.version) == wire) return r.version;
  }
  return std::nullopt;
}

std::string_view config_name(Version v) {
  return row(v).config;
}
std::string_view mbedtls_name(Version v) {
  return row(v).mbedtls;
}
std::string_view openssl_name(Version v) {
  return row(v).openssl;
}
std::string_view prose_name(Version v) {
  return row(v).prose;
}

std::optional<Version> parse_version(std::string_view text) {
  for (const auto& r : kVersions) {
    if (text == r.config || text == r.mbedtls || text == r.openssl || text == r.prose) return r.version;
  }
  return std::nullopt;
}

std::optional<Version> parse_config_name(std::string_view text) {
  for (const auto& r : kVersions) {
    if (text == r.config) return r.version;
  }
  return std::nullopt;
}

std::string mbedtls_name(uint16_t wire) {
  if (auto v = version_from_wire(wire)) return std::string(mbedtls_name(*v));
  return fmt::format("0x{:04x}", wire);
}

std::string prose_name(uint16_t wire) {
  if (auto v = version_from_wire(wire)) return std::string(prose_name(*v));
  return fmt::format("0x{:04x}", wire);
}

}  // namespace shakedown::tls

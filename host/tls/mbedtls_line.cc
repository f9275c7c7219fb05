#include "shakedown/tls/mbedtls_line.h"

#include <fmt/format.h>

#include <array>
#include <charconv>

namespace shakedown::tls {

// One row per major version; the minor is the LTS the host builds.
constexpr MbedtlsLine kLine2{.major = 2,
                             .minor = 28,
                             .config_header = "mbedtls/config.h",
                             .sha384_macro = "MBEDTLS_SHA512_C",
                             .has_tls1_3 = false,
                             .oldest_version = Version::kTls1_0,
                             .matches_ip_address_san = false,
                             .rejects_fragmented_handshake = true,
                             .tls12_rejects_offered_rsa_pss = false};
constexpr MbedtlsLine kLine3{.major = 3,
                             .minor = 6,
                             .config_header = "mbedtls/mbedtls_config.h",
                             .sha384_macro = "MBEDTLS_SHA384_C",
                             .has_tls1_3 = true,
                             .oldest_version = Version::kTls1_2,
                             .matches_ip_address_san = true,
                             .rejects_fragmented_handshake = false,
                             .tls12_rejects_offered_rsa_pss = true};

const MbedtlsLine kMbedtls2_28 = kLine2;
const MbedtlsLine kMbedtls3_6 = kLine3;

namespace {

constexpr std::array<const MbedtlsLine*, 2> kLines = {&kLine2, &kLine3};

std::optional<int> number(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::string_view MbedtlsLine::hash_macro(std::string_view hash) const {
  if (hash == "sha1") return "MBEDTLS_SHA1_C";
  if (hash == "sha256") return "MBEDTLS_SHA256_C";
  if (hash == "sha384") return sha384_macro;
  if (hash == "sha512") return "MBEDTLS_SHA512_C";
  return {};
}

std::string MbedtlsLine::name() const {
  return fmt::format("{}.{}", major, minor);
}

std::optional<MbedtlsLine> parse_mbedtls_line(std::string_view version) {
  const size_t dot = version.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::string_view rest = version.substr(dot + 1);
  const size_t patch_dot = rest.find('.');
  const auto major = number(version.substr(0, dot));
  const auto minor = number(rest.substr(0, patch_dot));
  if (!major || !minor || (patch_dot != std::string_view::npos && !number(rest.substr(patch_dot + 1)))) {
    return std::nullopt;
  }
  for (const MbedtlsLine* line : kLines) {
    if (line->major != *major) continue;
    MbedtlsLine out = *line;
    out.minor = *minor;
    return out;
  }
  return std::nullopt;
}

MbedtlsLine mbedtls_line_or_newest(std::string_view version) {
  if (auto line = parse_mbedtls_line(version)) return *line;
  for (const MbedtlsLine* line : kLines) {
    if (version.starts_with(fmt::format("{}.", line->major))) return *line;  // "2.28-dev": its major's facts
  }
  return *kLines.back();
}

std::optional<MbedtlsLine> line_from_source_file(std::string_view file) {
  if (file == "ssl_cli.c") return kLine2;
  if (file == "ssl_client.c" || file.starts_with("ssl_tls12_") || file.starts_with("ssl_tls13_") ||
      file == "ssl_misc.h") {
    return kLine3;
  }
  return std::nullopt;
}

}  // namespace shakedown::tls

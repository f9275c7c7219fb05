#include "client_report.h"

#include <fmt/format.h>
#include <array>
#include <utility>

namespace shakedown::device {

std::string format_code(int32_t code) {
  if (code >= 0) return std::to_string(code);
  return fmt::format("-0x{:04x}", -static_cast<int64_t>(code));
}

std::vector<std::string> verify_flag_names(uint32_t flags) {
  // The bit values of include/mbedtls/x509.h, the same on 2.28 and 3.6.
  static constexpr std::array<std::pair<uint32_t, const char*>, 20> kBits = {{
      {0x01, "MBEDTLS_X509_BADCERT_EXPIRED"},         {0x02, "MBEDTLS_X509_BADCERT_REVOKED"},
      {0x04, "MBEDTLS_X509_BADCERT_CN_MISMATCH"},     {0x08, "MBEDTLS_X509_BADCERT_NOT_TRUSTED"},
      {0x10, "MBEDTLS_X509_BADCRL_NOT_TRUSTED"},      {0x20, "MBEDTLS_X509_BADCRL_EXPIRED"},
      {0x40, "MBEDTLS_X509_BADCERT_MISSING"},         {0x80, "MBEDTLS_X509_BADCERT_SKIP_VERIFY"},
      {0x100, "MBEDTLS_X509_BADCERT_OTHER"},          {0x200, "MBEDTLS_X509_BADCERT_FUTURE"},
      {0x400, "MBEDTLS_X509_BADCRL_FUTURE"},          {0x800, "MBEDTLS_X509_BADCERT_KEY_USAGE"},
      {0x1000, "MBEDTLS_X509_BADCERT_EXT_KEY_USAGE"}, {0x2000, "MBEDTLS_X509_BADCERT_NS_CERT_TYPE"},
      {0x4000, "MBEDTLS_X509_BADCERT_BAD_MD"},        {0x8000, "MBEDTLS_X509_BADCERT_BAD_PK"},
      {0x10000, "MBEDTLS_X509_BADCERT_BAD_KEY"},      {0x20000, "MBEDTLS_X509_BADCRL_BAD_MD"},
      {0x40000, "MBEDTLS_X509_BADCRL_BAD_PK"},        {0x80000, "MBEDTLS_X509_BADCRL_BAD_KEY"},
  }};
  std::vector<std::string> names;
  for (const auto& [bit, name] : kBits) {
    if (flags & bit) names.emplace_back(name);
  }
  if (flags == 0xffffffffu) names = {"(verification did not run)"};
  return names;
}

}  // namespace shakedown::device

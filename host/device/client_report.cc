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

std::string alert_name(uint8_t description) {
  switch (description) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return fmt::format("alert {}", description);
  }
}

std::string group_name(uint16_t id) {
  switch (id) {
    case 0x0017: return "secp256r1";
    case 0x0018: return "secp384r1";
    case 0x0019: return "secp521r1";
    case 0x001d: return "x25519";
    case 0x001e: return "x448";
    case 0x001a: return "brainpoolP256r1";
    case 0x001b: return "brainpoolP384r1";
    case 0x001c: return "brainpoolP512r1";
    case 0x0100: return "ffdhe2048";
    case 0x0101: return "ffdhe3072";
    case 0x0102: return "ffdhe4096";
    case 0x0103: return "ffdhe6144";
    case 0x0104: return "ffdhe8192";
    default: return fmt::format("0x{:04x}", id);
  }
}

}  // namespace shakedown::device

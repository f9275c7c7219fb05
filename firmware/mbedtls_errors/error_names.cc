#include "shakedown/mbedtls_errors/error_names.h"

#include <cstdio>

namespace shakedown::mbedtls_errors {
namespace {

struct ErrorName {
  uint32_t magnitude;
  const char* name;
};

// Generated (CMakeLists.txt beside this file) from the line's include/mbedtls/*.h.
constexpr ErrorName kErrorNames[] = {
#include "mbedtls_error_names.inc"
};

// Mbed TLS composes a high-level module code (0x1000..0x7f80, multiples of
// 0x80) with a low-level one (0x01..0x7f): -0x262e = X509 0x2600 + OID 0x2e.
constexpr uint32_t kHighMask = 0x7f80;
constexpr uint32_t kLowMask = 0x007f;
constexpr uint32_t kFirstHigh = 0x1000;

}  // namespace

std::string_view error_part_name(uint32_t magnitude) {
  for (const auto& entry : kErrorNames) {
    if (entry.magnitude == magnitude) return entry.name;
  }
  return {};
}

std::optional<uint32_t> error_magnitude_named(std::string_view name) {
  for (const auto& entry : kErrorNames) {
    if (name == entry.name) return entry.magnitude;
  }
  return std::nullopt;
}

void format_error_name(int32_t code, char* out, size_t out_size) {
  if (out_size == 0) return;
  out[0] = '\0';
  if (code >= 0) return;
  const uint32_t magnitude = static_cast<uint32_t>(-static_cast<int64_t>(code));
  auto part = [](uint32_t m, char* buf, size_t size) {
    std::string_view name = error_part_name(m);
    if (name.empty()) {
      std::snprintf(buf, size, "UNKNOWN(-0x%04x)", static_cast<unsigned>(m));
    } else {
      std::snprintf(buf, size, "%.*s", static_cast<int>(name.size()), name.data());
    }
  };
  const uint32_t high = magnitude & kHighMask;
  const uint32_t low = magnitude & kLowMask;
  if (!error_part_name(magnitude).empty() || high < kFirstHigh || low == 0 || magnitude > (kHighMask | kLowMask)) {
    // One code: a plain low-level or high-level code, or one outside the scheme
    // (PSA statuses are -128..-151).
    part(magnitude, out, out_size);
    return;
  }
  char high_name[64];
  char low_name[64];
  part(high, high_name, sizeof high_name);
  part(low, low_name, sizeof low_name);
  std::snprintf(out, out_size, "%s + %s", high_name, low_name);
}

}  // namespace shakedown::mbedtls_errors

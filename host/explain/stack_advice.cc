#include "stack_advice.h"

#include <array>

namespace shakedown::explain {
namespace {

struct Marked {
  std::array<std::string_view, 3> markers;  // any of them on a line names the stack
  StackAdvice advice;
};

// Each from the stack's own source: ESP-IDF's components/mbedtls Kconfig
// (MBEDTLS_DEBUG) and port/mbedtls_debug.c (logger tag "mbedtls"); Zephyr's
// modules/mbedtls init (mbedtls_debug_set_threshold(CONFIG_MBEDTLS_DEBUG_LEVEL));
// Mongoose's tls_mbed.c (MG_MBEDTLS_DEBUG_LEVEL).
constexpr size_t kEspIdf = 0;  // its row, also found by its log prefix
constexpr std::array kStacks = {
    Marked{{"esp-tls", "esp-x509-crt-bundle", "esp_tls"},
           {"ESP-IDF",
            "in menuconfig turn on Component config > mbedTLS > Enable mbedTLS debugging (CONFIG_MBEDTLS_DEBUG) with "
            "its level at 3, and let the \"mbedtls\" tag print: esp_log_level_set(\"mbedtls\", ESP_LOG_VERBOSE)"}},
    Marked{{"net_sock_tls", "TLS handshake error: -", ""},
           {"Zephyr",
            "set CONFIG_MBEDTLS_DEBUG=y and CONFIG_MBEDTLS_DEBUG_LEVEL=3 in prj.conf (the Mbed TLS module sets the "
            "threshold from it at boot)"}},
    Marked{{"mongoose.c", "mg_tls", ""},
           {"Mongoose", "build with -DMG_MBEDTLS_DEBUG_LEVEL=3 (tls_mbed.c passes it to mbedtls_debug_set_threshold) "
                        "and the log level at debug (mg_log_set(MG_LL_DEBUG))"}},
};

constexpr StackAdvice kAnyStack{
    "", "build with MBEDTLS_DEBUG_C, register a print callback with mbedtls_ssl_conf_dbg and call "
        "mbedtls_debug_set_threshold(3) before the handshake"};

// ESP-IDF's log prefix, "E (4211) tag: " (esp_log's LOG_FORMAT), after any
// colour escape.
bool esp_log_prefix(std::string_view line) {
  if (const size_t m = line.find('m'); line.starts_with("\x1b[") && m != std::string_view::npos) {
    line.remove_prefix(m + 1);
  }
  if (line.size() < 6 || std::string_view("EWIDV").find(line[0]) == std::string_view::npos || line[1] != ' ' ||
      line[2] != '(') {
    return false;
  }
  size_t i = 3;
  while (i < line.size() && line[i] >= '0' && line[i] <= '9') ++i;
  return i > 3 && i + 1 < line.size() && line[i] == ')' && line[i + 1] == ' ' &&
         line.find(':', i) != std::string_view::npos;
}

}  // namespace

const StackAdvice* stack_of_line(std::string_view line) {
  if (esp_log_prefix(line)) return &kStacks[kEspIdf].advice;
  for (const Marked& s : kStacks) {
    for (std::string_view marker : s.markers) {
      if (!marker.empty() && line.find(marker) != std::string_view::npos) return &s.advice;
    }
  }
  return nullptr;
}

const StackAdvice& any_stack() {
  return kAnyStack;
}

}  // namespace shakedown::explain

#include "substitutions.h"

namespace shakedown::mbedtls_config {
namespace {

constexpr std::string_view kEntropy = "the target's entropy seam (its platform delta sets what it needs)";
constexpr std::string_view kClock = "the target's clock seam";
constexpr std::string_view kHeap = "the target's bounded heap arena, which measures the handshake's peak";
constexpr std::string_view kNoFiles = "nothing: the target has no files; certificates arrive over the device protocol";
constexpr std::string_view kLibc = "the target's own C library";
constexpr std::string_view kProcessor = "the target's own processor: its platform delta says which instructions it has";
constexpr std::string_view kSoftware =
    "Mbed TLS's own software implementation (the same results; the hardware's speed is not simulated)";

// Order matters: the first match wins, so the specific rows come before
// the catch-all *_ALT.
constexpr SubstitutionRule kRules[] = {
    {.name = "MBEDTLS_ENTROPY_HARDWARE_ALT", .replaced_by = kEntropy},
    {.name = "MBEDTLS_NO_PLATFORM_ENTROPY", .replaced_by = kEntropy},
    {.name = "MBEDTLS_ENTROPY_NV_SEED", .replaced_by = kNoFiles},
    {.prefix = "MBEDTLS_PLATFORM_NV_SEED", .replaced_by = kNoFiles},
    {.prefix = "MBEDTLS_PLATFORM_STD_NV_SEED", .replaced_by = kNoFiles},
    {.name = "MBEDTLS_FS_IO", .replaced_by = kNoFiles},
    {.name = "MBEDTLS_PSA_ITS_FILE_C", .replaced_by = kNoFiles},
    {.name = "MBEDTLS_PSA_CRYPTO_STORAGE_C", .replaced_by = kNoFiles},
    {.name = "MBEDTLS_NET_C",
     .replaced_by = "the target's transport seam (lwIP on the firmware, a socket on the host)"},
    {.name = "MBEDTLS_TIMING_C", .replaced_by = kClock},
    {.name = "MBEDTLS_TIMING_ALT", .replaced_by = kClock},
    {.prefix = "MBEDTLS_PLATFORM_TIME", .replaced_by = kClock},
    {.prefix = "MBEDTLS_PLATFORM_MS_TIME", .replaced_by = kClock},
    {.prefix = "MBEDTLS_PLATFORM_STD_TIME", .replaced_by = kClock},
    {.name = "MBEDTLS_PLATFORM_GMTIME_R_ALT", .replaced_by = kClock},
    {.name = "MBEDTLS_PLATFORM_C",
     .replaced_by = "on in every build: the target's heap arena and clock plug into Mbed TLS through it"},
    {.name = "MBEDTLS_PLATFORM_MEMORY", .replaced_by = kHeap},
    {.prefix = "MBEDTLS_PLATFORM_CALLOC", .replaced_by = kHeap},
    {.prefix = "MBEDTLS_PLATFORM_FREE", .replaced_by = kHeap},
    {.prefix = "MBEDTLS_PLATFORM_STD_CALLOC", .replaced_by = kHeap},
    {.prefix = "MBEDTLS_PLATFORM_STD_FREE", .replaced_by = kHeap},
    {.prefix = "MBEDTLS_MEMORY_", .replaced_by = kHeap},
    {.prefix = "MBEDTLS_THREADING_", .replaced_by = "nothing: the client core runs on one thread"},
    {.name = "MBEDTLS_CHECK_PARAMS", .replaced_by = "nothing: a 2.x debugging hook into the project's own function"},
    {.name = "MBEDTLS_CHECK_PARAMS_ASSERT", .replaced_by = "nothing: a 2.x debugging hook"},
    {.name = "MBEDTLS_PARAM_FAILED", .replaced_by = "nothing: a 2.x debugging hook into the project's own function"},
    {.prefix = "MBEDTLS_PLATFORM_", .suffix = "_MACRO", .replaced_by = kLibc},
    {.prefix = "MBEDTLS_PLATFORM_STD_", .replaced_by = kLibc},
    {.prefix = "MBEDTLS_PLATFORM_", .suffix = "_ALT", .replaced_by = kLibc},
    {.name = "MBEDTLS_PLATFORM_NO_STD_FUNCTIONS", .replaced_by = kLibc},
    {.name = "MBEDTLS_AESNI_C", .replaced_by = kProcessor},
    {.name = "MBEDTLS_PADLOCK_C", .replaced_by = kProcessor},
    {.name = "MBEDTLS_AESCE_C", .replaced_by = kProcessor},
    {.suffix = "_ALT", .replaced_by = kSoftware},
};

bool matches(const SubstitutionRule& rule, std::string_view option) {
  if (!rule.name.empty()) return option == rule.name;
  return option.starts_with(rule.prefix) && option.ends_with(rule.suffix);
}

}  // namespace

std::span<const SubstitutionRule> substitution_rules() {
  return kRules;
}

const SubstitutionRule* substitution_for(std::string_view option) {
  for (const auto& rule : kRules) {
    if (matches(rule, option)) return &rule;
  }
  return nullptr;
}

}  // namespace shakedown::mbedtls_config

// Mbed TLS's platform hooks for this port (firmware/configs/platform/
// cortex-m4.h selects them). Compiled per image, against that image's
// Mbed TLS line.

#include <mbedtls/entropy.h>
#include <mbedtls/platform_time.h>
#include <mbedtls/version.h>

#include <cstddef>
#include <span>

#include "rng_entropy.h"
#include "systick_clock.h"

extern "C" int mbedtls_hardware_poll(void*, unsigned char* output, size_t len, size_t* olen) {
  // A failed RNG fails the seeding at once (and so the handshake), rather
  // than after Mbed TLS's retries, each a bounded wait of its own.
  if (!shakedown::nucleo::rng_fill({output, len})) {
    *olen = 0;
    return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
  }
  *olen = len;
  return 0;
}

#if defined(MBEDTLS_PLATFORM_MS_TIME_ALT) && MBEDTLS_VERSION_MAJOR >= 3
extern "C" mbedtls_ms_time_t mbedtls_ms_time() {
  return static_cast<mbedtls_ms_time_t>(shakedown::cortex_m::uptime_ms());
}
#endif

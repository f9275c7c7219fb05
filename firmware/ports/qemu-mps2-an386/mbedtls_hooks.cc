// Mbed TLS's platform hooks for this port (firmware/configs/platform/cortex-m4.h
// selects them). Compiled per image, against that image's Mbed TLS line.

#include <mbedtls/platform_time.h>
#include <mbedtls/version.h>

#include <cstddef>
#include <span>

#include "host_clock.h"
#include "test_only_entropy.h"

extern "C" int mbedtls_hardware_poll(void*, unsigned char* output, size_t len, size_t* olen) {
  shakedown::qemu::test_only_entropy_fill({output, len});
  *olen = len;
  return 0;
}

#if defined(MBEDTLS_PLATFORM_MS_TIME_ALT) && MBEDTLS_VERSION_MAJOR >= 3
extern "C" mbedtls_ms_time_t mbedtls_ms_time() {
  return static_cast<mbedtls_ms_time_t>(shakedown::qemu::host_uptime_ms());
}
#endif

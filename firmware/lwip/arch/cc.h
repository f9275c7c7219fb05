/* lwIP's compiler and platform hooks for shakedown's firmware (newlib,
 * GCC, little-endian Cortex-M). lwIP's arch.h supplies the rest. */
#pragma once

#include <stdint.h>
#include <stdlib.h>

#define BYTE_ORDER LITTLE_ENDIAN
#define LWIP_NO_CTYPE_H 0
#define LWIP_ERRNO_STDINCLUDE 1

#ifdef __cplusplus
extern "C" {
#endif
/* Provided by the port: an assertion in lwIP is a firmware bug, and the
 * host must see it as such (the port exits QEMU with an error status). */
void shakedown_lwip_assert(const char* message, const char* file, int line) __attribute__((noreturn));
/* Provided by the port: not cryptographic, only for ports and sequence numbers. */
uint32_t shakedown_lwip_rand(void);
#ifdef __cplusplus
}
#endif

#define LWIP_PLATFORM_DIAG(x) \
  do {                        \
  } while (0)
#define LWIP_PLATFORM_ASSERT(x) shakedown_lwip_assert((x), __FILE__, __LINE__)
#define LWIP_RAND() shakedown_lwip_rand()

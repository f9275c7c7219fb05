/* Platform delta for the Cortex-M4 firmware (newlib, no OS): QEMU's
 * mps2-an386 and the NUCLEO-F429ZI share it, and so share their Mbed TLS
 * builds. The core's seams, as for the host, minus what needs an OS. */

/* Wall time comes from the core's Clock seam (the board has no RTC; the host
 * sets it, or leaves it unset as in the field). */
#if defined(MBEDTLS_HAVE_TIME) /* a device config may leave time out */
#define MBEDTLS_PLATFORM_TIME_ALT
/* 3.x: milliseconds for TLS 1.3 ticket ages, from SysTick (the port's
 * mbedtls_ms_time). 2.x does not know this option. */
#define MBEDTLS_PLATFORM_MS_TIME_ALT
#endif

/* Mbed TLS's heap is a bounded arena on every target (core/heap.h). */
#define MBEDTLS_PLATFORM_C /* the two hooks above and below plug in through it */
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#define MBEDTLS_MEMORY_DEBUG

/* No sockets, no POSIX timers, no files: the core brings its own transport
 * (lwIP) and clock; certificates arrive over the device protocol. */
#undef MBEDTLS_NET_C
#undef MBEDTLS_TIMING_C
#undef MBEDTLS_FS_IO
#undef MBEDTLS_PSA_ITS_FILE_C
#undef MBEDTLS_PSA_CRYPTO_STORAGE_C

/* No OS entropy. The port's mbedtls_hardware_poll feeds Mbed TLS's own
 * entropy pool (and through it PSA on 3.x): on QEMU that is the INSECURE
 * test-only generator, named as such in the banner; on the board, its RNG. */
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_HARDWARE_ALT

/* x86 and Armv8 instructions a Cortex-M4 lacks. */
#undef MBEDTLS_AESNI_C
#undef MBEDTLS_PADLOCK_C
#undef MBEDTLS_AESCE_C

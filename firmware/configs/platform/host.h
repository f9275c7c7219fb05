/* Platform delta for host builds (the simulator and the tests): the seams the
 * client core plugs into, on top of a profile. Firmware ports have their own.
 */

/* Wall time comes from the core's Clock seam, so a scenario can run with the
 * clock unset (time 0), as a device without SNTP does. */
#if defined(MBEDTLS_HAVE_TIME) /* a device config may leave time out */
#define MBEDTLS_PLATFORM_TIME_ALT
#endif

/* Mbed TLS's heap is a bounded arena on every target (core/heap.h), so the
 * peak a handshake needs is measured alike everywhere and a budget holds. */
#define MBEDTLS_PLATFORM_C /* the two hooks above and below plug in through it */
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#define MBEDTLS_MEMORY_DEBUG

/* Blocks aligned for the host's 64-bit words and pointers: the default, 4,
 * suits 32-bit MCUs but leaves the allocator's own block headers misaligned
 * here (UBSan: memory_buffer_alloc.c, "misaligned address"). */
#define MBEDTLS_MEMORY_ALIGN_MULTIPLE 8

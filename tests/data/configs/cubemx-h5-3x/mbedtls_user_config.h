/* The project's own overrides, read after mbedtls_config.h (3.x reads
 * MBEDTLS_USER_CONFIG_FILE in build_info.h): a smaller receive buffer and
 * no TLS 1.3 middlebox compatibility. */
#undef MBEDTLS_SSL_IN_CONTENT_LEN
#define MBEDTLS_SSL_IN_CONTENT_LEN 4096
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096
#undef MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE

/* Profile small-4k: the upstream defaults with 4 KB records each way, the
 * usual first RAM saving on a microcontroller. A server sending a record
 * larger than 4 KB breaks it unless max fragment length is negotiated. */
#define MBEDTLS_SSL_IN_CONTENT_LEN  4096
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096

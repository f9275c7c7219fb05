#include "shakedown/tls/cipher_suite.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace shakedown::tls {
namespace {

constexpr bool kSignal = true;

// Generated once from OpenSSL 3.0's SSL_CIPHER_find over every id (security
// level 0, ALL:COMPLEMENTOFALL); ordered by id for the binary search.
constexpr std::array kSuites = {
    CipherSuite{0x0001, "NULL-MD5", "TLS_RSA_WITH_NULL_MD5"},
    CipherSuite{0x0002, "NULL-SHA", "TLS_RSA_WITH_NULL_SHA"},
    CipherSuite{0x0007, "IDEA-CBC-SHA", "TLS_RSA_WITH_IDEA_CBC_SHA"},
    CipherSuite{0x002c, "PSK-NULL-SHA", "TLS_PSK_WITH_NULL_SHA"},
    CipherSuite{0x002d, "DHE-PSK-NULL-SHA", "TLS_DHE_PSK_WITH_NULL_SHA"},
    CipherSuite{0x002e, "RSA-PSK-NULL-SHA", "TLS_RSA_PSK_WITH_NULL_SHA"},
    CipherSuite{0x002f, "AES128-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"},
    CipherSuite{0x0032, "DHE-DSS-AES128-SHA", "TLS_DHE_DSS_WITH_AES_128_CBC_SHA"},
    CipherSuite{0x0033, "DHE-RSA-AES128-SHA", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"},
    CipherSuite{0x0034, "ADH-AES128-SHA", "TLS_DH_anon_WITH_AES_128_CBC_SHA"},
    CipherSuite{0x0035, "AES256-SHA", "TLS_RSA_WITH_AES_256_CBC_SHA"},
    CipherSuite{0x0038, "DHE-DSS-AES256-SHA", "TLS_DHE_DSS_WITH_AES_256_CBC_SHA"},
    CipherSuite{0x0039, "DHE-RSA-AES256-SHA", "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"},
    CipherSuite{0x003a, "ADH-AES256-SHA", "TLS_DH_anon_WITH_AES_256_CBC_SHA"},
    CipherSuite{0x003b, "NULL-SHA256", "TLS_RSA_WITH_NULL_SHA256"},
    CipherSuite{0x003c, "AES128-SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA256"},
    CipherSuite{0x003d, "AES256-SHA256", "TLS_RSA_WITH_AES_256_CBC_SHA256"},
    CipherSuite{0x0040, "DHE-DSS-AES128-SHA256", "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256"},
    CipherSuite{0x0041, "CAMELLIA128-SHA", "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA"},
    CipherSuite{0x0044, "DHE-DSS-CAMELLIA128-SHA", "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA"},
    CipherSuite{0x0045, "DHE-RSA-CAMELLIA128-SHA", "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA"},
    CipherSuite{0x0046, "ADH-CAMELLIA128-SHA", "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA"},
    CipherSuite{0x0067, "DHE-RSA-AES128-SHA256", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"},
    CipherSuite{0x006a, "DHE-DSS-AES256-SHA256", "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256"},
    CipherSuite{0x006b, "DHE-RSA-AES256-SHA256", "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"},
    CipherSuite{0x006c, "ADH-AES128-SHA256", "TLS_DH_anon_WITH_AES_128_CBC_SHA256"},
    CipherSuite{0x006d, "ADH-AES256-SHA256", "TLS_DH_anon_WITH_AES_256_CBC_SHA256"},
    CipherSuite{0x0081, "GOST2001-GOST89-GOST89", "TLS_GOSTR341001_WITH_28147_CNT_IMIT"},
    CipherSuite{0x0083, "GOST2001-NULL-GOST94", "TLS_GOSTR341001_WITH_NULL_GOSTR3411"},
    CipherSuite{0x0084, "CAMELLIA256-SHA", "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA"},
    CipherSuite{0x0087, "DHE-DSS-CAMELLIA256-SHA", "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA"},
    CipherSuite{0x0088, "DHE-RSA-CAMELLIA256-SHA", "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA"},
    CipherSuite{0x0089, "ADH-CAMELLIA256-SHA", "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA"},
    CipherSuite{0x008c, "PSK-AES128-CBC-SHA", "TLS_PSK_WITH_AES_128_CBC_SHA"},
    CipherSuite{0x008d, "PSK-AES256-CBC-SHA", "TLS_PSK_WITH_AES_256_CBC_SHA"},
    CipherSuite{0x0090, "DHE-PSK-AES128-CBC-SHA", "TLS_DHE_PSK_WITH_AES_128_CBC_SHA"},
    CipherSuite{0x0091, "DHE-PSK-AES256-CBC-SHA", "TLS_DHE_PSK_WITH_AES_256_CBC_SHA"},
    CipherSuite{0x0094, "RSA-PSK-AES128-CBC-SHA", "TLS_RSA_PSK_WITH_AES_128_CBC_SHA"},
    CipherSuite{0x0095, "RSA-PSK-AES256-CBC-SHA", "TLS_RSA_PSK_WITH_AES_256_CBC_SHA"},
    CipherSuite{0x0096, "SEED-SHA", "TLS_RSA_WITH_SEED_CBC_SHA"},
    CipherSuite{0x0099, "DHE-DSS-SEED-SHA", "TLS_DHE_DSS_WITH_SEED_CBC_SHA"},
    CipherSuite{0x009a, "DHE-RSA-SEED-SHA", "TLS_DHE_RSA_WITH_SEED_CBC_SHA"},
    CipherSuite{0x009b, "ADH-SEED-SHA", "TLS_DH_anon_WITH_SEED_CBC_SHA"},
    CipherSuite{0x009c, "AES128-GCM-SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256"},
    CipherSuite{0x009d, "AES256-GCM-SHA384", "TLS_RSA_WITH_AES_256_GCM_SHA384"},
    CipherSuite{0x009e, "DHE-RSA-AES128-GCM-SHA256", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"},
    CipherSuite{0x009f, "DHE-RSA-AES256-GCM-SHA384", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"},
    CipherSuite{0x00a2, "DHE-DSS-AES128-GCM-SHA256", "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256"},
    CipherSuite{0x00a3, "DHE-DSS-AES256-GCM-SHA384", "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384"},
    CipherSuite{0x00a6, "ADH-AES128-GCM-SHA256", "TLS_DH_anon_WITH_AES_128_GCM_SHA256"},
    CipherSuite{0x00a7, "ADH-AES256-GCM-SHA384", "TLS_DH_anon_WITH_AES_256_GCM_SHA384"},
    CipherSuite{0x00a8, "PSK-AES128-GCM-SHA256", "TLS_PSK_WITH_AES_128_GCM_SHA256"},
    CipherSuite{0x00a9, "PSK-AES256-GCM-SHA384", "TLS_PSK_WITH_AES_256_GCM_SHA384"},
    CipherSuite{0x00aa, "DHE-PSK-AES128-GCM-SHA256", "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256"},
    CipherSuite{0x00ab, "DHE-PSK-AES256-GCM-SHA384", "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384"},
    CipherSuite{0x00ac, "RSA-PSK-AES128-GCM-SHA256", "TLS_RSA_PSK_WITH_AES_128_GCM_SHA256"},
    CipherSuite{0x00ad, "RSA-PSK-AES256-GCM-SHA384", "TLS_RSA_PSK_WITH_AES_256_GCM_SHA384"},
    CipherSuite{0x00ae, "PSK-AES128-CBC-SHA256", "TLS_PSK_WITH_AES_128_CBC_SHA256"},
    CipherSuite{0x00af, "PSK-AES256-CBC-SHA384", "TLS_PSK_WITH_AES_256_CBC_SHA384"},
    CipherSuite{0x00b0, "PSK-NULL-SHA256", "TLS_PSK_WITH_NULL_SHA256"},
    CipherSuite{0x00b1, "PSK-NULL-SHA384", "TLS_PSK_WITH_NULL_SHA384"},
    CipherSuite{0x00b2, "DHE-PSK-AES128-CBC-SHA256", "TLS_DHE_PSK_WITH_AES_128_CBC_SHA256"},
    CipherSuite{0x00b3, "DHE-PSK-AES256-CBC-SHA384", "TLS_DHE_PSK_WITH_AES_256_CBC_SHA384"},
    CipherSuite{0x00b4, "DHE-PSK-NULL-SHA256", "TLS_DHE_PSK_WITH_NULL_SHA256"},
    CipherSuite{0x00b5, "DHE-PSK-NULL-SHA384", "TLS_DHE_PSK_WITH_NULL_SHA384"},
    CipherSuite{0x00b6, "RSA-PSK-AES128-CBC-SHA256", "TLS_RSA_PSK_WITH_AES_128_CBC_SHA256"},
    CipherSuite{0x00b7, "RSA-PSK-AES256-CBC-SHA384", "TLS_RSA_PSK_WITH_AES_256_CBC_SHA384"},
    CipherSuite{0x00b8, "RSA-PSK-NULL-SHA256", "TLS_RSA_PSK_WITH_NULL_SHA256"},
    CipherSuite{0x00b9, "RSA-PSK-NULL-SHA384", "TLS_RSA_PSK_WITH_NULL_SHA384"},
    CipherSuite{0x00ba, "CAMELLIA128-SHA256", "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256"},
    CipherSuite{0x00bd, "DHE-DSS-CAMELLIA128-SHA256", "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256"},
    CipherSuite{0x00be, "DHE-RSA-CAMELLIA128-SHA256", "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256"},
    CipherSuite{0x00bf, "ADH-CAMELLIA128-SHA256", "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256"},
    CipherSuite{0x00c0, "CAMELLIA256-SHA256", "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256"},
    CipherSuite{0x00c3, "DHE-DSS-CAMELLIA256-SHA256", "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256"},
    CipherSuite{0x00c4, "DHE-RSA-CAMELLIA256-SHA256", "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256"},
    CipherSuite{0x00c5, "ADH-CAMELLIA256-SHA256", "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256"},
    CipherSuite{0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV", "TLS_EMPTY_RENEGOTIATION_INFO_SCSV", kSignal},
    CipherSuite{0x1301, "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"},
    CipherSuite{0x1302, "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384"},
    CipherSuite{0x1303, "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256"},
    CipherSuite{0x1304, "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_SHA256"},
    CipherSuite{0x1305, "TLS_AES_128_CCM_8_SHA256", "TLS_AES_128_CCM_8_SHA256"},
    CipherSuite{0x5600, "TLS_FALLBACK_SCSV", "TLS_FALLBACK_SCSV", kSignal},
    CipherSuite{0xc006, "ECDHE-ECDSA-NULL-SHA", "TLS_ECDHE_ECDSA_WITH_NULL_SHA"},
    CipherSuite{0xc009, "ECDHE-ECDSA-AES128-SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
    CipherSuite{0xc00a, "ECDHE-ECDSA-AES256-SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"},
    CipherSuite{0xc010, "ECDHE-RSA-NULL-SHA", "TLS_ECDHE_RSA_WITH_NULL_SHA"},
    CipherSuite{0xc013, "ECDHE-RSA-AES128-SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
    CipherSuite{0xc014, "ECDHE-RSA-AES256-SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"},
    CipherSuite{0xc015, "AECDH-NULL-SHA", "TLS_ECDH_anon_WITH_NULL_SHA"},
    CipherSuite{0xc018, "AECDH-AES128-SHA", "TLS_ECDH_anon_WITH_AES_128_CBC_SHA"},
    CipherSuite{0xc019, "AECDH-AES256-SHA", "TLS_ECDH_anon_WITH_AES_256_CBC_SHA"},
    CipherSuite{0xc01d, "SRP-AES-128-CBC-SHA", "TLS_SRP_SHA_WITH_AES_128_CBC_SHA"},
    CipherSuite{0xc01e, "SRP-RSA-AES-128-CBC-SHA", "TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA"},
    CipherSuite{0xc01f, "SRP-DSS-AES-128-CBC-SHA", "TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA"},
    CipherSuite{0xc020, "SRP-AES-256-CBC-SHA", "TLS_SRP_SHA_WITH_AES_256_CBC_SHA"},
    CipherSuite{0xc021, "SRP-RSA-AES-256-CBC-SHA", "TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA"},
    CipherSuite{0xc022, "SRP-DSS-AES-256-CBC-SHA", "TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA"},
    CipherSuite{0xc023, "ECDHE-ECDSA-AES128-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"},
    CipherSuite{0xc024, "ECDHE-ECDSA-AES256-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"},
    CipherSuite{0xc027, "ECDHE-RSA-AES128-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"},
    CipherSuite{0xc028, "ECDHE-RSA-AES256-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"},
    CipherSuite{0xc02b, "ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
    CipherSuite{0xc02c, "ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
    CipherSuite{0xc02f, "ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
    CipherSuite{0xc030, "ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
    CipherSuite{0xc035, "ECDHE-PSK-AES128-CBC-SHA", "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA"},
    CipherSuite{0xc036, "ECDHE-PSK-AES256-CBC-SHA", "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA"},
    CipherSuite{0xc037, "ECDHE-PSK-AES128-CBC-SHA256", "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256"},
    CipherSuite{0xc038, "ECDHE-PSK-AES256-CBC-SHA384", "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384"},
    CipherSuite{0xc039, "ECDHE-PSK-NULL-SHA", "TLS_ECDHE_PSK_WITH_NULL_SHA"},
    CipherSuite{0xc03a, "ECDHE-PSK-NULL-SHA256", "TLS_ECDHE_PSK_WITH_NULL_SHA256"},
    CipherSuite{0xc03b, "ECDHE-PSK-NULL-SHA384", "TLS_ECDHE_PSK_WITH_NULL_SHA384"},
    CipherSuite{0xc050, "ARIA128-GCM-SHA256", "TLS_RSA_WITH_ARIA_128_GCM_SHA256"},
    CipherSuite{0xc051, "ARIA256-GCM-SHA384", "TLS_RSA_WITH_ARIA_256_GCM_SHA384"},
    CipherSuite{0xc052, "DHE-RSA-ARIA128-GCM-SHA256", "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256"},
    CipherSuite{0xc053, "DHE-RSA-ARIA256-GCM-SHA384", "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384"},
    CipherSuite{0xc056, "DHE-DSS-ARIA128-GCM-SHA256", "TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256"},
    CipherSuite{0xc057, "DHE-DSS-ARIA256-GCM-SHA384", "TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384"},
    CipherSuite{0xc05c, "ECDHE-ECDSA-ARIA128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256"},
    CipherSuite{0xc05d, "ECDHE-ECDSA-ARIA256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384"},
    CipherSuite{0xc060, "ECDHE-ARIA128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256"},
    CipherSuite{0xc061, "ECDHE-ARIA256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384"},
    CipherSuite{0xc06a, "PSK-ARIA128-GCM-SHA256", "TLS_PSK_WITH_ARIA_128_GCM_SHA256"},
    CipherSuite{0xc06b, "PSK-ARIA256-GCM-SHA384", "TLS_PSK_WITH_ARIA_256_GCM_SHA384"},
    CipherSuite{0xc06c, "DHE-PSK-ARIA128-GCM-SHA256", "TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256"},
    CipherSuite{0xc06d, "DHE-PSK-ARIA256-GCM-SHA384", "TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384"},
    CipherSuite{0xc06e, "RSA-PSK-ARIA128-GCM-SHA256", "TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256"},
    CipherSuite{0xc06f, "RSA-PSK-ARIA256-GCM-SHA384", "TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384"},
    CipherSuite{0xc072, "ECDHE-ECDSA-CAMELLIA128-SHA256", "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256"},
    CipherSuite{0xc073, "ECDHE-ECDSA-CAMELLIA256-SHA384", "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384"},
    CipherSuite{0xc076, "ECDHE-RSA-CAMELLIA128-SHA256", "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256"},
    CipherSuite{0xc077, "ECDHE-RSA-CAMELLIA256-SHA384", "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384"},
    CipherSuite{0xc094, "PSK-CAMELLIA128-SHA256", "TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256"},
    CipherSuite{0xc095, "PSK-CAMELLIA256-SHA384", "TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384"},
    CipherSuite{0xc096, "DHE-PSK-CAMELLIA128-SHA256", "TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256"},
    CipherSuite{0xc097, "DHE-PSK-CAMELLIA256-SHA384", "TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384"},
    CipherSuite{0xc098, "RSA-PSK-CAMELLIA128-SHA256", "TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256"},
    CipherSuite{0xc099, "RSA-PSK-CAMELLIA256-SHA384", "TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384"},
    CipherSuite{0xc09a, "ECDHE-PSK-CAMELLIA128-SHA256", "TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256"},
    CipherSuite{0xc09b, "ECDHE-PSK-CAMELLIA256-SHA384", "TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384"},
    CipherSuite{0xc09c, "AES128-CCM", "TLS_RSA_WITH_AES_128_CCM"},
    CipherSuite{0xc09d, "AES256-CCM", "TLS_RSA_WITH_AES_256_CCM"},
    CipherSuite{0xc09e, "DHE-RSA-AES128-CCM", "TLS_DHE_RSA_WITH_AES_128_CCM"},
    CipherSuite{0xc09f, "DHE-RSA-AES256-CCM", "TLS_DHE_RSA_WITH_AES_256_CCM"},
    CipherSuite{0xc0a0, "AES128-CCM8", "TLS_RSA_WITH_AES_128_CCM_8"},
    CipherSuite{0xc0a1, "AES256-CCM8", "TLS_RSA_WITH_AES_256_CCM_8"},
    CipherSuite{0xc0a2, "DHE-RSA-AES128-CCM8", "TLS_DHE_RSA_WITH_AES_128_CCM_8"},
    CipherSuite{0xc0a3, "DHE-RSA-AES256-CCM8", "TLS_DHE_RSA_WITH_AES_256_CCM_8"},
    CipherSuite{0xc0a4, "PSK-AES128-CCM", "TLS_PSK_WITH_AES_128_CCM"},
    CipherSuite{0xc0a5, "PSK-AES256-CCM", "TLS_PSK_WITH_AES_256_CCM"},
    CipherSuite{0xc0a6, "DHE-PSK-AES128-CCM", "TLS_DHE_PSK_WITH_AES_128_CCM"},
    CipherSuite{0xc0a7, "DHE-PSK-AES256-CCM", "TLS_DHE_PSK_WITH_AES_256_CCM"},
    CipherSuite{0xc0a8, "PSK-AES128-CCM8", "TLS_PSK_WITH_AES_128_CCM_8"},
    CipherSuite{0xc0a9, "PSK-AES256-CCM8", "TLS_PSK_WITH_AES_256_CCM_8"},
    CipherSuite{0xc0aa, "DHE-PSK-AES128-CCM8", "TLS_PSK_DHE_WITH_AES_128_CCM_8"},
    CipherSuite{0xc0ab, "DHE-PSK-AES256-CCM8", "TLS_PSK_DHE_WITH_AES_256_CCM_8"},
    CipherSuite{0xc0ac, "ECDHE-ECDSA-AES128-CCM", "TLS_ECDHE_ECDSA_WITH_AES_128_CCM"},
    CipherSuite{0xc0ad, "ECDHE-ECDSA-AES256-CCM", "TLS_ECDHE_ECDSA_WITH_AES_256_CCM"},
    CipherSuite{0xc0ae, "ECDHE-ECDSA-AES128-CCM8", "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8"},
    CipherSuite{0xc0af, "ECDHE-ECDSA-AES256-CCM8", "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8"},
    CipherSuite{0xc100, "GOST2012-KUZNYECHIK-KUZNYECHIKOMAC", ""},
    CipherSuite{0xc101, "GOST2012-MAGMA-MAGMAOMAC", ""},
    CipherSuite{0xc102, "IANA-GOST2012-GOST8912-GOST8912", ""},
    CipherSuite{0xcca8, "ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    CipherSuite{0xcca9, "ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
    CipherSuite{0xccaa, "DHE-RSA-CHACHA20-POLY1305", "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    CipherSuite{0xccab, "PSK-CHACHA20-POLY1305", "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256"},
    CipherSuite{0xccac, "ECDHE-PSK-CHACHA20-POLY1305", "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256"},
    CipherSuite{0xccad, "DHE-PSK-CHACHA20-POLY1305", "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256"},
    CipherSuite{0xccae, "RSA-PSK-CHACHA20-POLY1305", "TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256"},
    CipherSuite{0xff85, "LEGACY-GOST2012-GOST8912-GOST8912", ""},
    CipherSuite{0xff87, "GOST2012-NULL-GOST12", ""},
};

static_assert(std::is_sorted(kSuites.begin(), kSuites.end(),
                             [](const CipherSuite& a, const CipherSuite& b) { return a.id < b.id; }));

}  // namespace

std::span<const CipherSuite> all_cipher_suites() {
  return kSuites;
}

const CipherSuite* cipher_suite(uint16_t id) {
  auto it = std::lower_bound(kSuites.begin(), kSuites.end(), id,
                             [](const CipherSuite& s, uint16_t wanted) { return s.id < wanted; });
  return it != kSuites.end() && it->id == id ? &*it : nullptr;
}

bool is_signalling_suite(uint16_t id) {
  const CipherSuite* s = cipher_suite(id);
  return s != nullptr && s->signalling;
}

std::string mbedtls_suite_name(const CipherSuite& suite) {
  if (suite.signalling || suite.iana_name.empty()) return {};
  std::string name(suite.iana_name);
  std::replace(name.begin(), name.end(), '_', '-');
  if (is_tls13_suite(suite.id)) name.replace(0, 4, "TLS1-3-");
  // IANA's one inversion (RFC 6655's TLS_PSK_DHE_WITH_AES_*_CCM_8), which
  // Mbed TLS names in the usual order.
  if (name.starts_with("TLS-PSK-DHE-")) name.replace(4, 7, "DHE-PSK");
  return name;
}

namespace {

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<uint16_t> parse_hex(std::string_view text, size_t digits) {
  uint16_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  if (ec != std::errc() || end != text.data() + text.size() || text.size() != digits) return std::nullopt;
  return value;
}

// "c02b", "0xc02b", or the two bytes as RFCs print them: "0xC0,0x2B".
std::optional<uint16_t> parse_suite_id(std::string_view text) {
  if (const size_t comma = text.find(','); comma != std::string_view::npos) {
    std::string_view high = text.substr(0, comma), low = text.substr(comma + 1);
    while (low.starts_with(' ')) low.remove_prefix(1);
    if (!high.starts_with("0x") && !high.starts_with("0X")) return std::nullopt;
    if (!low.starts_with("0x") && !low.starts_with("0X")) return std::nullopt;
    const auto h = parse_hex(high.substr(2), 2), l = parse_hex(low.substr(2), 2);
    if (!h || !l) return std::nullopt;
    return static_cast<uint16_t>(*h << 8 | *l);
  }
  if (text.starts_with("0x") || text.starts_with("0X")) text.remove_prefix(2);
  return parse_hex(text, 4);
}

}  // namespace

std::optional<uint16_t> parse_cipher_suite(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (auto id = parse_suite_id(text)) return id;
  for (const CipherSuite& s : kSuites) {
    if (same_name(text, s.iana_name) || same_name(text, s.openssl_name) ||
        (!s.signalling && same_name(text, mbedtls_suite_name(s)))) {
      return s.id;
    }
  }
  return std::nullopt;
}

std::string describe_suite(uint16_t id) {
  const CipherSuite* s = cipher_suite(id);
  if (s == nullptr || s->iana_name.empty()) return fmt::format("0x{:04x}", id);
  return fmt::format("{} (0x{:04x})", s->iana_name, id);
}

}  // namespace shakedown::tls

#pragma once
// An Mbed TLS release line (major.minor) and the facts the host's rules need
// that differ between lines. The facts follow the major version: 2.x (2.28
// LTS) and 3.x (3.6 LTS) are the lines the host builds and reads logs of.

#include <optional>
#include <string>
#include <string_view>

#include "shakedown/tls/version.h"

namespace shakedown::tls {

struct MbedtlsLine {
  int major = 0;
  int minor = 0;
  // The default config header (MBEDTLS_CONFIG_FILE overrides it).
  std::string_view config_header;  // "mbedtls/config.h" (2.x), "mbedtls/mbedtls_config.h" (3.x)
  // The macro that enables SHA-384: 2.x builds it with SHA-512.
  std::string_view sha384_macro;              // "MBEDTLS_SHA512_C" (2.x), "MBEDTLS_SHA384_C" (3.x)
  bool has_tls1_3 = false;                    // MBEDTLS_SSL_PROTO_TLS1_3 exists (3.x)
  Version oldest_version = Version::kTls1_2;  // 2.x still has TLS 1.0 and 1.1 (MBEDTLS_SSL_PROTO_TLS1_1)
  // A hostname given as an IP address matches iPAddress subjectAltNames;
  // 2.x matches only DNS names (and the CN when there are none).
  bool matches_ip_address_san = false;
  // MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE while reading the server's flight
  // means a handshake message split over records ("handshake fragmentation
  // not supported"): 2.x cannot reassemble one.
  bool rejects_fragmented_handshake = false;
  // With TLS 1.3 enabled, the ClientHello offers RSA-PSS (rsa_pss_rsae_*)
  // from the TLS 1.3 list, but the TLS 1.2 code rejects a ServerKeyExchange
  // signed with it (illegal_parameter): 3.x.
  bool tls12_rejects_offered_rsa_pss = false;

  // Whether a build of this line can offer `v` at all (its config aside).
  constexpr bool can_offer(Version v) const { return v >= oldest_version && (v != Version::kTls1_3 || has_tls1_3); }
  // The config macro that enables a certificate signature hash ("sha1",
  // "sha256", "sha384", "sha512") on this line; empty for another name.
  std::string_view hash_macro(std::string_view hash) const;
  // "2.28", "3.6".
  std::string name() const;
};

// The lines the host builds.
extern const MbedtlsLine kMbedtls2_28;
extern const MbedtlsLine kMbedtls3_6;

// "2.28", "2.28.8", "3.6" or "3.6.2": the line with its major's facts; none
// for text that is no such version or a major the host does not know.
std::optional<MbedtlsLine> parse_mbedtls_line(std::string_view version);

// As parse_mbedtls_line, but lenient: text that begins "<major>." gets that
// major's facts ("2.28-dev"), and text that names no known line (an empty
// line from a log that does not show it) gets the newest line's: what the
// rules assume today when a line is not 2.x.
MbedtlsLine mbedtls_line_or_newest(std::string_view version);

// The line a source file that appears in Mbed TLS's debug lines belongs to:
// ssl_cli.c exists only in 2.x; ssl_client.c, ssl_tls12_*, ssl_tls13_* and
// ssl_misc.h only in 3.x. None for a file both lines have.
std::optional<MbedtlsLine> line_from_source_file(std::string_view file);

}  // namespace shakedown::tls

#pragma once
// TLS protocol versions and the spellings the host meets for them: scenario
// files ("tls1.2"), Mbed TLS's mbedtls_ssl_get_version ("TLSv1.0"), OpenSSL's
// SSL_get_version ("TLSv1" for 1.0) and prose ("TLS 1.2"). No OpenSSL here.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace shakedown::tls {

// The value is the wire id (ProtocolVersion, RFC 8446 4.1.2).
enum class Version : uint16_t {
  kTls1_0 = 0x0301,
  kTls1_1 = 0x0302,
  kTls1_2 = 0x0303,
  kTls1_3 = 0x0304,
};

// Every version the host knows, oldest first.
std::span<const Version> all_versions();

constexpr uint16_t wire_id(Version v) {
  return static_cast<uint16_t>(v);
}

// The version with this wire id; none for SSL 3.0, GREASE and the unknown.
std::optional<Version> version_from_wire(uint16_t wire);

// "tls1.0" .. "tls1.3": scenario files and EndpointConfig.
std::string_view config_name(Version v);
// "TLSv1.0" .. "TLSv1.3": what Mbed TLS reports (ClientReport::version).
std::string_view mbedtls_name(Version v);
// "TLSv1", "TLSv1.1" .. "TLSv1.3": OpenSSL's SSL_get_version and s_server's
// -min_protocol.
std::string_view openssl_name(Version v);
// "TLS 1.0" .. "TLS 1.3": finding text.
std::string_view prose_name(Version v);

// Any of the four spellings above; none for anything else.
std::optional<Version> parse_version(std::string_view text);

// Only the scenario spelling ("tls1.2"), for files that must use it.
std::optional<Version> parse_config_name(std::string_view text);
// Every scenario spelling, oldest first, for error messages.
std::vector<std::string> config_names();

// For wire ids that may be unknown (a ClientHello's): the name, or "0x0305".
std::string mbedtls_name(uint16_t wire);
std::string prose_name(uint16_t wire);

}  // namespace shakedown::tls

#pragma once
// Names of Mbed TLS error codes, from one Mbed TLS line's own headers (a
// table generated at configure time, see CMakeLists.txt beside this module).
// The core names the codes it reports with its line's table; the host names
// codes found in a device's log with the newest line's. Freestanding: no
// allocation, no exceptions, no Mbed TLS headers.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace shakedown::mbedtls_errors {

// The name of one code part, e.g. 0x0050 -> "MBEDTLS_ERR_NET_CONN_RESET";
// empty if the line defines no such code.
std::string_view error_part_name(uint32_t magnitude);

// The code part a name stands for, e.g. "MBEDTLS_ERR_SSL_CONN_EOF" ->
// 0x7280; nullopt if the line defines no such name.
std::optional<uint32_t> error_magnitude_named(std::string_view name);

// Writes the name of a whole (negative) code into `out`: the high-level part
// (0x1000..0x7f80) and the low-level part (0x01..0x7f) joined by " + ",
// "UNKNOWN(-0x...)" for parts the table lacks. Always NUL-terminates; writes
// "" for a code >= 0.
void format_error_name(int32_t code, char* out, size_t out_size);

}  // namespace shakedown::mbedtls_errors

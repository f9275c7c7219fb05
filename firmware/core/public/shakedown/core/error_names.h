#pragma once
// Names of Mbed TLS error codes, from the headers of the line the core was
// built with (a table generated at configure time).

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace shakedown::core {

// The name of one code part, e.g. 0x0050 -> "MBEDTLS_ERR_NET_CONN_RESET";
// empty if the line defines no such code.
std::string_view error_part_name(uint32_t magnitude);

// Writes the name of a whole (negative) code into `out`: the high-level part
// (0x1000..0x7f80) and the low-level part (0x01..0x7f) joined by " + ",
// "UNKNOWN(-0x...)" for parts the table lacks. Always NUL-terminates.
void format_error_name(int32_t code, char* out, size_t out_size);

}  // namespace shakedown::core

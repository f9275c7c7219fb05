#pragma once
// An Mbed TLS error code in the words of whatever stack wraps Mbed TLS: a
// line that is not Mbed TLS's own debug output but says that a TLS call
// failed, and with which code. Stacks print the code in hex with or without
// 0x, in decimal, negated or not, inside parentheses or brackets, or as its
// MBEDTLS_ERR_* name (docs/explain.md lists the forms, and
// tests/data/forms/ holds samples with the sources that define them).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shakedown::explain {

struct ErrorInText {
  int32_t code = 0;        // negative, as Mbed TLS returns it
  std::string call;        // the function the line names as failing ("mbedtls_ssl_handshake"); "" if none
  bool handshake = false;  // the line says the handshake failed, in any words
  // False when the line names the failure in words and no code (Zephyr's
  // "TLS handshake timeout", CircuitPython's MemoryError): `code` is Mbed
  // TLS's code for it, and `said` what the words say, for a person.
  bool code_shown = true;
  std::string_view said;
  // Another reading of the same line, when its form allows one (MicroPython
  // raises codes between -256 and 0 as errno values); "" when none.
  std::string also;
};

// Whether the line speaks of TLS: Mbed TLS, SSL, TLS, X509, a handshake, a
// TLS library's logger tag.
bool speaks_of_tls(std::string_view line);

// Whether `magnitude` reads as an Mbed TLS code: a low-level part
// (0x01..0x7f), a high-level part (0x1000..0x7f80) or both, each one that
// the newest line's headers define.
bool valid_error_code(uint32_t magnitude);

// The Mbed TLS error `line` reports, when it (or, `tls_nearby`, a line just
// before it: ESP8266's "client handshake failed!" then "Reason:[-0x50]")
// speaks of TLS and carries a code; nullopt otherwise. Where a number reads
// two ways (Zephyr's "-%x" prints -0x7200 as "-7200"), the reading that is
// a valid code wins, decimal first.
std::optional<ErrorInText> find_error_in_text(std::string_view line, bool tls_nearby = false);

}  // namespace shakedown::explain

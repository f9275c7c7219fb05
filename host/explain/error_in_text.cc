#include "error_in_text.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "log_text.h"
#include "shakedown/mbedtls_errors/error_names.h"

namespace shakedown::explain {
namespace {

constexpr uint32_t kHighMask = 0x7f80, kLowMask = 0x007f, kFirstHigh = 0x1000;
constexpr int32_t kSslTimeout = 0x6800;      // MBEDTLS_ERR_SSL_TIMEOUT
constexpr int32_t kSslAllocFailed = 0x7f00;  // MBEDTLS_ERR_SSL_ALLOC_FAILED
constexpr size_t npos = std::string_view::npos;

// Words that put a line in a TLS library's mouth, lower case: "tls" covers
// Mbed TLS's name and the stacks' logger tags (esp-tls, net_sock_tls,
// mbedTLSError), "cert" certificate parsing.
constexpr std::array<std::string_view, 6> kTlsWords = {"tls", "ssl", "x509", "handshake", "cert", "mbed tls"};

bool has_tls_word(const std::string& lower) {
  return std::any_of(kTlsWords.begin(), kTlsWords.end(),
                     [&](std::string_view word) { return lower.find(word) != std::string::npos; });
}

struct Token {
  bool negative = false;
  bool prefixed = false;  // 0x
  std::string_view digits;
};

// Numbers that can be error codes: negative ones in any base, and positive
// ones written with 0x. Positive decimals are timestamps, line numbers and
// sizes far more often than codes.
std::optional<Token> token_at(std::string_view line, size_t& i) {
  const size_t start = i;
  Token t;
  if (line[i] == '-') {
    t.negative = true;
    ++i;
  }
  if (i + 1 < line.size() && line[i] == '0' && (line[i + 1] == 'x' || line[i + 1] == 'X')) {
    t.prefixed = true;
    i += 2;
  }
  const size_t digits = i;
  while (i < line.size() && std::isxdigit(static_cast<unsigned char>(line[i])) != 0) ++i;
  t.digits = line.substr(digits, i - digits);
  const bool bounded_before = start == 0 || !is_word_char(line[start - 1]);
  const bool bounded_after = i == line.size() || !is_word_char(line[i]);
  if (i == digits) i = start + 1;  // not a number: move on by one
  if (t.digits.empty() || !bounded_before || !bounded_after || (!t.negative && !t.prefixed)) return std::nullopt;
  return t;
}

std::optional<uint32_t> parse(std::string_view digits, int base) {
  uint32_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

// Stacks whose format prints the code's hex digits without 0x ("-%x"):
// Zephyr's socket TLS layer in its older releases (sockets_tls.c), and
// MicroPython's ussl before 1.13 (modussl_mbedtls.c). Their digits are
// never decimal.
constexpr std::array<std::string_view, 2> kHexWithoutPrefix = {"net_sock_tls", "mbedtls_ssl_handshake error:"};

// The code a token stands for: written with 0x, or from a stack that
// prints "-%x", it is hex; other bare digits are decimal when that reads as
// a valid code, else hex.
std::optional<uint32_t> code_of(const Token& t, bool hex_without_prefix) {
  if (t.prefixed || hex_without_prefix) {
    auto value = parse(t.digits, 16);
    return value && valid_error_code(*value) ? value : std::nullopt;
  }
  if (auto value = parse(t.digits, 10); value && valid_error_code(*value)) return value;
  if (auto value = parse(t.digits, 16); value && valid_error_code(*value)) return value;
  return std::nullopt;
}

struct ErrorText {
  uint32_t magnitude;
  const char* text;  // "SSL - The connection indicated an EOF", as mbedtls_strerror() prints it
};

// Generated from the newest line's headers (firmware/mbedtls_errors/CMakeLists.txt).
constexpr ErrorText kErrorTexts[] = {
#include "mbedtls_error_texts.inc"
};

// A code's text as mbedtls_strerror() prints it ("NET - Connection was reset
// by peer"); the longest match wins, so "SSL - Bad input" never shadows a
// longer text that starts the same.
std::optional<uint32_t> code_of_text(std::string_view line) {
  if (line.find(" - ") == npos) return std::nullopt;  // every text is "<MODULE> - <words>"
  std::optional<uint32_t> found;
  size_t longest = 0;
  for (const ErrorText& entry : kErrorTexts) {
    const std::string_view text = entry.text;
    if (text.size() > longest && line.find(text) != std::string_view::npos) {
      found = entry.magnitude;
      longest = text.size();
    }
  }
  return found;
}

// An MBEDTLS_ERR_* name in the line, as its code.
std::optional<uint32_t> named_code(std::string_view line) {
  for (size_t at = line.find("MBEDTLS_ERR_"); at != std::string_view::npos; at = line.find("MBEDTLS_ERR_", at + 1)) {
    size_t end = at;
    while (end < line.size() && is_word_char(line[end])) ++end;
    if (auto magnitude = mbedtls_errors::error_magnitude_named(line.substr(at, end - at))) return magnitude;
  }
  return std::nullopt;
}

// The first mbedtls_* identifier, the call the stack names.
std::string call_named(std::string_view line) {
  const size_t at = line.find("mbedtls_");
  if (at == std::string_view::npos || (at > 0 && is_word_char(line[at - 1]))) return "";
  size_t end = at;
  while (end < line.size() && is_word_char(line[end])) ++end;
  return std::string(line.substr(at, end - at));
}

// Failures a stack says in words, without a code, and Mbed TLS's code for
// each. `tls`: the words count only on a line that speaks of TLS.
struct FailureInWords {
  std::string_view words;  // lower case
  bool tls;
  int32_t magnitude;
  std::string_view said;
};
constexpr std::array kFailuresInWords = {
    FailureInWords{"handshake timeout", true, kSslTimeout, "the handshake timed out"},
    FailureInWords{"handshake timed out", true, kSslTimeout, "the handshake timed out"},
    // Azure's adapters/tlsio_mbedtls.c (on_io_recv) prints this only after
    // HANDSHAKE_TIMEOUT_MS without a byte from the server, then returns
    // MBEDTLS_ERR_SSL_INTERNAL_ERROR in its place.
    FailureInWords{
        "tlsio_failure: encountered unknow connection issue", false, kSslTimeout,
        "the server sent nothing for 5 s during the handshake (Azure's tlsio_mbedtls prints this, then reports "
        "MBEDTLS_ERR_SSL_INTERNAL_ERROR in its place)"},
    // Python's out-of-memory, whatever ran out: CircuitPython's SSLSocket
    // raises MemoryError for MBEDTLS_ERR_SSL_ALLOC_FAILED, MicroPython's
    // modtls_mbedtls.c OSError ENOMEM (and so does its lwIP socket).
    FailureInWords{"memoryerror", false, kSslAllocFailed, "memory ran out (a Python MemoryError)"},
    FailureInWords{"oserror: [errno 12] enomem", false, kSslAllocFailed, "memory ran out (OSError ENOMEM)"},
};

// MicroPython's modtls_mbedtls.c raises a code between -256 and 0 as
// OSError(-code), which prints "OSError: 16" when py/moderrno.c names no
// errno for it ("[Errno 104] ECONNRESET" when it does). Such a line is a
// low-level Mbed TLS code or a socket errno: both readings are given.
std::optional<ErrorInText> micropython_small_code(std::string_view line) {
  constexpr std::string_view kForm = "OSError: ";
  const size_t at = line.find(kForm);
  if (at == npos) return std::nullopt;
  std::string_view digits = line.substr(at + kForm.size());
  while (!digits.empty() && std::isspace(static_cast<unsigned char>(digits.back())) != 0) digits.remove_suffix(1);
  const auto value = parse(digits, 10);
  if (!value || *value >= 256 || !valid_error_code(*value)) return std::nullopt;
  return ErrorInText{-static_cast<int32_t>(*value),
                     "",
                     false,
                     true,
                     "",
                     "MicroPython raises codes between -256 and 0 as errno values, so this line may also be a "
                     "socket's errno " +
                         std::to_string(*value)};
}

}  // namespace

bool speaks_of_tls(std::string_view line) {
  return has_tls_word(lowered(line));
}

bool valid_error_code(uint32_t magnitude) {
  if (magnitude == 0 || magnitude > (kHighMask | kLowMask)) return false;
  if (!mbedtls_errors::error_part_name(magnitude).empty()) return true;
  const uint32_t high = magnitude & kHighMask, low = magnitude & kLowMask;
  if (high != 0 && (high < kFirstHigh || mbedtls_errors::error_part_name(high).empty())) return false;
  return low == 0 || !mbedtls_errors::error_part_name(low).empty();
}

std::optional<ErrorInText> find_error_in_text(std::string_view line, bool tls_nearby) {
  const std::string lower = lowered(line);
  const bool tls = tls_nearby || has_tls_word(lower);
  const bool hex_without_prefix = std::any_of(kHexWithoutPrefix.begin(), kHexWithoutPrefix.end(),
                                              [&](std::string_view marker) { return line.find(marker) != npos; });
  std::optional<uint32_t> magnitude = named_code(line);
  for (size_t i = 0; !magnitude && i < line.size();) {
    const auto token = token_at(line, i);
    if (!token) continue;
    const auto code = code_of(*token, hex_without_prefix);
    // Without a TLS word a bare negative number is a code only if it has a
    // TLS module's high-level part (SSL, X509, PK...): "OSError: -29312".
    if (code && (tls || (token->negative && (*code & kHighMask) >= kFirstHigh))) magnitude = code;
  }
  // The text alone (AWS IoT's "mbedTLSError= ... : NET - Connection was reset by peer.").
  if (!magnitude) magnitude = code_of_text(line);
  // A failure said in words: Mbed TLS's code for it, marked as not shown.
  for (const FailureInWords& f : kFailuresInWords) {
    if (!magnitude && (tls || !f.tls) && lower.find(f.words) != std::string::npos) {
      return ErrorInText{-f.magnitude, call_named(line), f.magnitude == kSslTimeout, false, f.said};
    }
  }
  if (!magnitude) return micropython_small_code(line);
  return ErrorInText{-static_cast<int32_t>(*magnitude), call_named(line), lower.find("handshake") != std::string::npos};
}

}  // namespace shakedown::explain

#pragma once
// Small readers for the pieces of text Mbed TLS debug statements and client
// programs print: numbers in any of the forms logs write, TLS versions,
// "call() returned code" lines, hex dump rows, handshake state names. Each
// gives nullopt (or an empty view) for text that is not its form; none reads
// past the view it is given.

#include <array>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shakedown/tls/stage.h"

namespace shakedown::explain {

inline bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// `text` in lower case (ASCII): for matching words whatever case a stack prints.
std::string lowered(std::string_view text);

// A letter, a digit or '_': a part of an identifier or a number.
inline bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

// The text after the first `marker`; empty when there is none.
std::string_view after(std::string_view s, std::string_view marker);

// "c02b, c02c": suite ids as logs and scenario files write them; the first
// `limit` only.
std::string hex_ids(const std::vector<uint16_t>& ids, const char* separator, size_t limit = SIZE_MAX);

// Without the quotes, spaces and full stop around a value.
std::string_view trim(std::string_view s);

// A number as logs write them: "42", "0x2a", "-0x0050", "c02b" (hex
// without prefix only when `bare_hex`).
std::optional<int64_t> number(std::string_view s, bool bare_hex = false);

// "[3:3]" or "[0x3:0x3]" -> 0x0303.
std::optional<uint16_t> bracket_version(std::string_view s);

// "x509_verify_cert() returned -9984 (-0x2700)" -> {"x509_verify_cert", -0x2700}.
struct Returned {
  std::string call;
  int64_t code;
};
std::optional<Returned> returned(std::string_view text);

// Where in a client's life a failing call sits: load-trust, connect, setup or handshake.
tls::Stage stage_for_call(const std::string& call);

// The "0000:  16 03 01 ..." rows of Mbed TLS's buffer dumps, forgiving of
// lost offsets, collapsed spaces and a missing ASCII column: the row's
// offset when it shows one, and its bytes.
std::optional<std::pair<std::optional<size_t>, std::vector<uint8_t>>> hex_row(std::string_view text);

// Mbed TLS's handshake states, in enum order (mbedtls_ssl_states; the first
// sixteen are the same on 2.28 and 3.6, 3.6 adds the rest).
inline constexpr std::array<std::string_view, 30> kStates = {
    "HELLO_REQUEST",
    "CLIENT_HELLO",
    "SERVER_HELLO",
    "SERVER_CERTIFICATE",
    "SERVER_KEY_EXCHANGE",
    "CERTIFICATE_REQUEST",
    "SERVER_HELLO_DONE",
    "CLIENT_CERTIFICATE",
    "CLIENT_KEY_EXCHANGE",
    "CERTIFICATE_VERIFY",
    "CLIENT_CHANGE_CIPHER_SPEC",
    "CLIENT_FINISHED",
    "SERVER_CHANGE_CIPHER_SPEC",
    "SERVER_FINISHED",
    "FLUSH_BUFFERS",
    "HANDSHAKE_WRAPUP",
    "NEW_SESSION_TICKET",
    "SERVER_HELLO_VERIFY_REQUEST_SENT",
    "HELLO_RETRY_REQUEST",
    "ENCRYPTED_EXTENSIONS",
    "END_OF_EARLY_DATA",
    "CLIENT_CERTIFICATE_VERIFY",
    "CLIENT_CCS_AFTER_SERVER_FINISHED",
    "CLIENT_CCS_BEFORE_2ND_CLIENT_HELLO",
    "SERVER_CCS_AFTER_SERVER_HELLO",
    "CLIENT_CCS_AFTER_CLIENT_HELLO",
    "SERVER_CCS_AFTER_HELLO_RETRY_REQUEST",
    "HANDSHAKE_OVER",
    "TLS1_3_NEW_SESSION_TICKET",
    "TLS1_3_NEW_SESSION_TICKET_FLUSH",
};

// Mbed TLS's client handshake state for its name in 3.x logs
// ("MBEDTLS_SSL_SERVER_HELLO" -> 2); -1 when unknown.
int state_number(std::string_view name);

// A state's name ("SERVER_HELLO"), "?" when out of range.
std::string_view state_name(int state);

}  // namespace shakedown::explain

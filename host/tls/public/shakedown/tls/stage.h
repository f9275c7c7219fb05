#pragma once
// How far a client got: the device protocol's stage values (the core's
// `enum class Stage`, firmware/core handshake_report.h, sends them as one
// byte) and the names reports and findings use for them.

#include <cstdint>
#include <optional>
#include <string_view>

namespace shakedown::tls {

// The order and values are the wire's: keep them as the core's.
enum class Stage : uint8_t {
  kSetup,      // seeding the generator, applying options
  kLoadTrust,  // parsing the CA certificates (and the client's own)
  kConnect,    // opening the transport
  kHandshake,  // mbedtls_ssl_handshake
  kDone,       // handshake complete, and the first exchange if one was asked
  kExchange,   // the handshake completed; the first request or its reply failed
};

// "setup", "load-trust", "connect", "handshake", "done", "exchange";
// "unknown" for a value outside the enumerators.
std::string_view stage_name(Stage stage);

// The stage a wire byte names; none for a value past kExchange.
std::optional<Stage> stage_from_wire(uint8_t value);

// The stage a name gives; none for anything else.
std::optional<Stage> parse_stage(std::string_view name);

// Whether the handshake completed: done, or exchange (it failed after).
constexpr bool handshake_completed(Stage stage) {
  return stage == Stage::kDone || stage == Stage::kExchange;
}

}  // namespace shakedown::tls

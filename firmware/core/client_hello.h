#pragma once
// Reads the cipher suites out of a TLS ClientHello as sent on the wire, so a
// report shows what the client really offered on every target.

#include <cstddef>
#include <cstdint>
#include <span>

namespace shakedown::core {

// Parses `wire` (the first bytes the client sent: a handshake record holding
// a ClientHello). Writes up to out.size() suite ids to `out` and returns how
// many the ClientHello carried, or -1 if `wire` is not a complete-enough
// ClientHello record.
int parse_client_hello_suites(std::span<const uint8_t> wire, std::span<uint16_t> out);

}  // namespace shakedown::core

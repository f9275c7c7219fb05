#pragma once
// Decodes a ClientHello from bytes a log dumped: TLS records as sent to the
// network (handshake records, reassembled) or a bare handshake message.
// Every length is checked against what is there; a truncated or foreign
// buffer gives nullopt, never a read past its end.

#include <cstdint>
#include <optional>
#include <span>

#include "capture.h"

namespace shakedown::explain {

std::optional<servers::ClientHelloCapture> decode_client_hello(std::span<const uint8_t> bytes);

}  // namespace shakedown::explain

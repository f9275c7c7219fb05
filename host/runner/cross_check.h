#pragma once
// A pass is a join, not the device's word: before a reported pass is
// believed, the report must agree with itself and, when the test server is
// shakedown's own, with what the server saw of the same connection. A
// disagreement is an infrastructure error naming both sides: a device (or a
// link) that says something impossible gives no verdict at all.

#include <optional>
#include <string>

#include "capture.h"
#include "client_report.h"

namespace shakedown::runner {

// Why `report`'s pass cannot be believed; nullopt when it can, or when it
// reports no pass. `auth_mode` is the client's (2: required). `capture` is
// the server's view of the connection, or nullptr when the server is not
// ours (openssl s_server): then only the report is checked.
std::optional<std::string> disbelieved_pass(const device::ClientReport& report, uint8_t auth_mode,
                                            const std::optional<servers::ConnectionCapture>* capture);

}  // namespace shakedown::runner

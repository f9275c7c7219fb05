#pragma once
// Reset and flash through openocd's TCL server: the way to reach a debug
// probe plugged into another host (the bench host runs openocd with
// `tcl_port`, and nothing else here needs to reach its USB). The protocol
// is openocd's own: a command is text ended by byte 0x1a, and so is its
// answer. openocd answers an error with its message and no flag, so each
// command is wrapped in Tcl's `catch` and the answer says which it was.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "shakedown/errors/result.h"

namespace shakedown::boards {

// Runs `command` (Tcl, as openocd's telnet prompt takes it) in the openocd
// whose TCL server is at host:port. Success if the command raised no
// error; otherwise an infrastructure error with openocd's message. Bounded
// by `timeout`, connection included.
Result<void> run_openocd_command(const std::string& host, uint16_t port, const std::string& command,
                                 std::chrono::milliseconds timeout);

// The commands, for tests and the stand-in that plays openocd in them.
std::string openocd_reset_command();  // the MCU, not the probe: `reset run`
// `program {image} verify reset`; std::invalid_argument for a path Tcl's
// braces cannot quote (it holds a brace or a backslash).
std::string openocd_program_command(const std::filesystem::path& image);
// The `catch` wrapper: answers "ok", or "error: " and openocd's message.
std::string openocd_checked(const std::string& command);

}  // namespace shakedown::boards

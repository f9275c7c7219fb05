#pragma once
// `shakedown flash`: programs a firmware image into one NUCLEO board through
// its ST-Link, with openocd or st-flash. The board is always named to the
// tool by its ST-Link serial number, even when only one is attached, so a
// second board plugged in later is never programmed by mistake.

#include <optional>
#include <string>
#include <vector>

#include "board_list.h"

namespace shakedown::boards {

enum class FlashTool { kOpenocd, kStFlash };

// The flash base of the STM32F429ZI (RM0090, memory map): where st-flash
// writes a raw .bin image.
inline constexpr const char* kFlashBase = "0x08000000";

struct FlashPlan {
  FlashTool tool = FlashTool::kOpenocd;
  std::string serial;              // the ST-Link's
  std::string image;               // the file the tool is given
  std::vector<std::string> argv;   // argv[0] is the tool's path
};

// Which attached ST-Link to program: the one with `serial`, or the only one.
// Errors name what is attached. `boards` as boards_among() returns them.
struct BoardChoice {
  std::optional<SerialPortInfo> board;
  std::string error;  // when no board is chosen
  bool no_boards = false;  // nothing attached at all ("no target")
};
BoardChoice choose_board(const std::vector<SerialPortInfo>& boards, const std::string& serial);

// The tool: the requested one if installed, else openocd, else st-flash.
// `installed(name)` gives a tool's path or "" (process::find_in_path in the CLI).
// A usage error for an unknown tool, or none of those asked for installed.
struct ToolChoice {
  FlashTool tool = FlashTool::kOpenocd;
  std::string path;
};
Result<ToolChoice> choose_tool(const std::string& requested, std::string (*installed)(const std::string&));
// choose_tool with the tools found in PATH.
Result<ToolChoice> choose_installed_tool(const std::string& requested);

// The command line. openocd takes the ELF; st-flash the raw binary beside
// it (same name, .bin), written at kFlashBase. A missing image, or no .bin
// for st-flash, is a usage error.
Result<FlashPlan> plan_flash(FlashTool tool, const std::string& tool_path, const std::string& serial,
                             const std::string& image);

// The command that resets the MCU of the board with `serial` through its
// ST-Link and lets it run (the board target's "reset before sync").
std::vector<std::string> reset_command(FlashTool tool, const std::string& tool_path, const std::string& serial);

const char* tool_name(FlashTool tool);

// `shakedown flash IMAGE [--serial SN] [--tool T] [--dry-run]`: chooses the
// board and tool, prints the command, runs it (bounded; its output passed
// on). Returns (exit_codes.h) kAllAsExpected flashed (or planned, with
// dry_run); kNoTarget with no ST-Link attached; kUsage for an image, serial
// or tool that does not fit; kInfrastructure when the ports cannot be listed
// or the tool fails or hangs.
struct FlashRequest {
  std::string image;
  std::string serial;
  std::string tool;
  bool dry_run = false;
};
int flash_command(const FlashRequest& request, std::FILE* out, std::FILE* err);

}  // namespace shakedown::boards

#include "flash.h"

#include <fmt/format.h>

#include <filesystem>

#include "shakedown/errors/exit_codes.h"
#include "subprocess.h"

namespace shakedown::boards {
namespace {

std::string attached_list(const std::vector<SerialPortInfo>& stlinks) {
  std::string out;
  for (const auto& b : stlinks) {
    out += fmt::format("{}{} ({})", out.empty() ? "" : ", ", b.serial.empty() ? "no serial" : b.serial, b.name);
  }
  return out;
}

}  // namespace

const char* tool_name(FlashTool tool) {
  return tool == FlashTool::kOpenocd ? "openocd" : "st-flash";
}

BoardChoice choose_board(const std::vector<SerialPortInfo>& boards, const std::string& serial) {
  std::vector<SerialPortInfo> stlinks;
  for (const auto& b : boards) {
    if (b.usb && stlink_model(b.vid, b.pid)) stlinks.push_back(b);
  }
  BoardChoice choice;
  if (stlinks.empty()) {
    choice.no_boards = true;
    choice.error = boards.empty() ? "no boards found: no USB serial port is attached"
                                  : fmt::format("no boards found: {} USB serial port{} attached, none an ST-Link",
                                                boards.size(), boards.size() == 1 ? "" : "s");
    return choice;
  }
  if (serial.empty()) {
    if (stlinks.size() > 1) {
      choice.error = fmt::format("{} ST-Links are attached: {}; choose one with --serial", stlinks.size(),
                                 attached_list(stlinks));
      return choice;
    }
    if (stlinks.front().serial.empty()) {
      choice.error = fmt::format("the ST-Link on {} reports no serial number, so it cannot be named to the flasher",
                                 stlinks.front().name);
      return choice;
    }
    choice.board = stlinks.front();
    return choice;
  }
  for (const auto& b : stlinks) {
    if (b.serial == serial) {
      choice.board = b;
      return choice;
    }
  }
  choice.error = fmt::format("no attached ST-Link has serial number {}; attached: {}", serial, attached_list(stlinks));
  return choice;
}

Result<ToolChoice> choose_tool(const std::string& requested, std::string (*installed)(const std::string&)) {
  if (!requested.empty() && requested != "openocd" && requested != "st-flash") {
    return usage_error(fmt::format("--tool {}: expected openocd or st-flash", requested));
  }
  for (FlashTool tool : {FlashTool::kOpenocd, FlashTool::kStFlash}) {
    if (!requested.empty() && requested != tool_name(tool)) continue;
    if (std::string path = installed(tool_name(tool)); !path.empty()) return ToolChoice{tool, path};
  }
  return usage_error(requested.empty()
                         ? "neither openocd nor st-flash is installed (apt-get install openocd, or stlink-tools)"
                         : fmt::format("{} is not installed (apt-get install {})", requested,
                                       requested == "openocd" ? "openocd" : "stlink-tools"));
}

Result<ToolChoice> choose_installed_tool(const std::string& requested) {
  return choose_tool(requested, [](const std::string& name) { return process::find_in_path(name).string(); });
}

Result<FlashPlan> plan_flash(FlashTool tool, const std::string& tool_path, const std::string& serial,
                             const std::string& image) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(image, ec)) return usage_error(fmt::format("{}: no such image", image));
  FlashPlan plan{tool, serial, image, {}};
  const fs::path path(image);
  if (tool == FlashTool::kOpenocd) {
    // openocd reads an ELF's load addresses; a raw binary needs the base.
    const std::string program = path.extension() == ".bin"
                                    ? fmt::format("program {} {} verify reset exit", image, kFlashBase)
                                    : fmt::format("program {} verify reset exit", image);
    plan.argv = {tool_path, "-f", "board/st_nucleo_f4.cfg", "-c", fmt::format("adapter serial {}", serial), "-c",
                 program};
    return plan;
  }
  // st-flash writes raw bytes: the .bin the build puts beside each .elf.
  fs::path bin = path;
  if (path.extension() != ".bin") bin.replace_extension(".bin");
  if (!fs::is_regular_file(bin, ec)) {
    return usage_error(fmt::format("{}: st-flash needs the raw image {}, which is not there", image, bin.string()));
  }
  plan.image = bin.string();
  plan.argv = {tool_path, "--serial", serial, "--reset", "write", bin.string(), kFlashBase};
  return plan;
}

std::vector<std::string> reset_command(FlashTool tool, const std::string& tool_path, const std::string& serial) {
  if (tool == FlashTool::kOpenocd) {
    return {tool_path, "-f", "board/st_nucleo_f4.cfg", "-c", fmt::format("adapter serial {}", serial),
            "-c",      "init", "-c", "reset run", "-c", "shutdown"};
  }
  return {tool_path, "--serial", serial, "reset"};
}

int flash_command(const FlashRequest& request, std::FILE* out, std::FILE* err) {
  const auto tool = choose_installed_tool(request.tool);
  const auto ports = enumerate_serial_ports();
  if (!ports) {
    fmt::print(err, "shakedown flash: cannot list serial ports: {}\n", ports.error().message);
    return exit_codes::kInfrastructure;
  }
  const BoardChoice board = choose_board(boards_among(*ports), request.serial);
  if (!board.board) {
    fmt::print(err, "shakedown flash: {}\n", board.error);
    return board.no_boards ? exit_codes::kNoTarget : exit_codes::kUsage;
  }
  if (!tool) {
    fmt::print(err, "shakedown flash: {}\n", tool.error().message);
    return exit_codes::for_error(tool.error().kind);
  }
  const auto plan = plan_flash(tool->tool, tool->path, board.board->serial, request.image);
  if (!plan) {
    fmt::print(err, "shakedown flash: {}\n", plan.error().message);
    return exit_codes::for_error(plan.error().kind);
  }
  fmt::print(out, "flashing {} into the board with ST-Link {} ({}):\n  {}\n", plan->image, plan->serial,
             board.board->name, fmt::join(plan->argv, " "));
  if (request.dry_run) return exit_codes::kAllAsExpected;
  const auto result = process::run_process(plan->argv, std::chrono::seconds(120));
  fmt::print(out, "{}", result.out);
  fmt::print(err, "{}", result.err);
  if (!result.exited_cleanly()) {
    fmt::print(err, "shakedown flash: {} {}\n", tool_name(plan->tool), result.describe());
    return exit_codes::kInfrastructure;
  }
  return exit_codes::kAllAsExpected;
}

}  // namespace shakedown::boards

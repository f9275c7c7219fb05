#include "board_list.h"
#include "shakedown/errors/exit_codes.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace shakedown::boards {
namespace {

struct StLinkProduct {
  uint16_t pid;
  const char* model;
};

// ST's product ids for ST-Link probes (as the udev rules openocd and stlink
// ship list them). NUCLEO-144 boards such as the F429ZI carry a V2-1.
constexpr std::array kStLinkProducts{
    StLinkProduct{0x3744, "ST-LINK/V1"},         StLinkProduct{0x3748, "ST-LINK/V2"},
    StLinkProduct{0x374a, "ST-LINK/V2-1"},       StLinkProduct{0x374b, "ST-LINK/V2-1"},
    StLinkProduct{0x3752, "ST-LINK/V2-1"},       StLinkProduct{0x374d, "STLINK-V3 (loader)"},
    StLinkProduct{0x374e, "STLINK-V3"},          StLinkProduct{0x374f, "STLINK-V3"},
    StLinkProduct{0x3753, "STLINK-V3"},          StLinkProduct{0x3754, "STLINK-V3"},
    StLinkProduct{0x3755, "STLINK-V3 (loader)"}, StLinkProduct{0x3757, "STLINK-V3PWR"},
};

}  // namespace

std::optional<std::string> stlink_model(uint16_t vid, uint16_t pid) {
  if (vid != kStMicroelectronicsVid) return std::nullopt;
  for (const auto& product : kStLinkProducts) {
    if (product.pid == pid) return product.model;
  }
  // ST makes more than probes, but a serial port with ST's id on a bench is
  // most likely a probe this table does not know yet.
  return "ST-Link (unknown model)";
}

std::vector<SerialPortInfo> boards_among(std::vector<SerialPortInfo> ports) {
  std::erase_if(ports, [](const SerialPortInfo& p) { return !p.usb; });
  std::stable_sort(ports.begin(), ports.end(), [](const SerialPortInfo& a, const SerialPortInfo& b) {
    const bool a_st = a.vid == kStMicroelectronicsVid, b_st = b.vid == kStMicroelectronicsVid;
    if (a_st != b_st) return a_st;
    return a.name < b.name;
  });
  return ports;
}

std::string format_board_table(const std::vector<SerialPortInfo>& boards) {
  size_t name_width = 4, serial_width = 6, model_width = 7;
  for (const auto& b : boards) {
    name_width = std::max(name_width, b.name.size());
    serial_width = std::max(serial_width, b.serial.empty() ? 1 : b.serial.size());
    model_width = std::max(model_width, stlink_model(b.vid, b.pid).value_or("-").size());
  }
  std::string table = fmt::format("{:<{}}  {:<9}  {:<{}}  {:<{}}  {}\n", "port", name_width, "vid:pid", "serial",
                                  serial_width, "st-link", model_width, "description");
  for (const auto& b : boards) {
    table += fmt::format("{:<{}}  {:04x}:{:04x}  {:<{}}  {:<{}}  {}\n", b.name, name_width, b.vid, b.pid,
                         b.serial.empty() ? "-" : b.serial, serial_width, stlink_model(b.vid, b.pid).value_or("-"),
                         model_width, b.description);
  }
  return table;
}

int list_boards_command(std::FILE* out, std::FILE* err) {
  const auto ports = enumerate_serial_ports();
  if (!ports) {
    fmt::print(err, "shakedown: cannot list serial ports: {}\n", ports.error().message);
    return exit_codes::kInfrastructure;
  }
  const auto boards = boards_among(*ports);
  if (boards.empty()) {
    fmt::print(err,
               "no boards found: no USB serial port is attached ({} other serial port{} seen). Plug the board's "
               "ST-Link USB connector (CN1) into this host, and check that your user can read /dev/ttyACM* "
               "(group dialout; docs/bench.md).\n",
               ports->size(), ports->size() == 1 ? "" : "s");
    return exit_codes::kNoTarget;
  }
  fmt::print(out, "{}", format_board_table(boards));
  return exit_codes::kAllAsExpected;
}

}  // namespace shakedown::boards

#pragma once
// Boards attached to this host, as the serial ports the OS enumerates
// (through libserialport): a NUCLEO shows up as its ST-Link's virtual COM
// port, with ST's USB vendor id and the ST-Link's serial number, which is
// how a bench tells its boards apart and tells the flasher which to program.

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shakedown/errors/result.h"

namespace shakedown::boards {

inline constexpr uint16_t kStMicroelectronicsVid = 0x0483;

struct SerialPortInfo {
  std::string name;         // "/dev/ttyACM0"
  std::string description;  // what the OS or the USB descriptor calls it
  bool usb = false;
  uint16_t vid = 0, pid = 0;  // only if usb
  std::string serial;         // USB serial number; may be empty
};

// The ST-Link model a USB VID:PID belongs to ("ST-LINK/V2-1"), "ST-Link
// (unknown model)" for another ST product id, or nullopt for other vendors.
std::optional<std::string> stlink_model(uint16_t vid, uint16_t pid);

// The boards among the ports: the USB ones (built-in UARTs are not boards),
// ST-Links first, then by port name.
std::vector<SerialPortInfo> boards_among(std::vector<SerialPortInfo> ports);

// One line per board: port, VID:PID, serial number, ST-Link model or "-",
// description, under a header.
std::string format_board_table(const std::vector<SerialPortInfo>& boards);

// What libserialport sees now; an infrastructure error saying why if it
// cannot tell.
Result<std::vector<SerialPortInfo>> enumerate_serial_ports();

// `shakedown boards`: prints the table, or "no boards found: ..." on stderr.
// Returns exit_codes::kAllAsExpected with boards, kNoTarget without,
// kInfrastructure if the ports could not be listed.
int list_boards_command(std::FILE* out, std::FILE* err);

}  // namespace shakedown::boards

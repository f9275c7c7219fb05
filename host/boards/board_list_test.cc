#include "board_list.h"

#include <catch2/catch.hpp>

namespace {

using namespace shakedown::boards;
using Catch::Matchers::Contains;

SerialPortInfo usb_port(std::string name, uint16_t vid, uint16_t pid, std::string serial = "") {
  return {std::move(name), "a description", true, vid, pid, std::move(serial)};
}

}  // namespace

TEST_CASE("ST-Link VID:PIDs are recognised by model, other ST ids as unknown ST-Links, other vendors not") {
  CHECK(stlink_model(0x0483, 0x374b) == "ST-LINK/V2-1");  // NUCLEO-F429ZI
  CHECK(stlink_model(0x0483, 0x3748) == "ST-LINK/V2");
  CHECK(stlink_model(0x0483, 0x374f) == "STLINK-V3");
  CHECK(stlink_model(0x0483, 0x1234) == "ST-Link (unknown model)");
  CHECK_FALSE(stlink_model(0x0403, 0x6001).has_value());  // an FTDI cable
  CHECK_FALSE(stlink_model(0x0000, 0x374b).has_value());
}

TEST_CASE("boards are the USB serial ports, ST-Links first, then by port name") {
  std::vector<SerialPortInfo> ports{
      {"/dev/ttyS0", "built-in UART", false, 0, 0, ""},
      usb_port("/dev/ttyUSB0", 0x0403, 0x6001),
      usb_port("/dev/ttyACM1", 0x0483, 0x374b, "B"),
      usb_port("/dev/ttyACM0", 0x0483, 0x374b, "A"),
  };
  const auto boards = boards_among(ports);
  REQUIRE(boards.size() == 3);
  CHECK(boards[0].name == "/dev/ttyACM0");
  CHECK(boards[1].name == "/dev/ttyACM1");
  CHECK(boards[2].name == "/dev/ttyUSB0");
  CHECK(boards_among({{"/dev/ttyS0", "", false, 0, 0, ""}}).empty());
}

TEST_CASE("the board table shows port, VID:PID, serial number, ST-Link model and description") {
  const auto table = format_board_table(
      {usb_port("/dev/ttyACM0", 0x0483, 0x374b, "066DFF495150897267173233"), usb_port("/dev/ttyUSB0", 0x0403, 0x6001)});
  CHECK_THAT(table, Contains("port"));
  CHECK_THAT(table, Contains("vid:pid"));
  CHECK_THAT(table, Contains("/dev/ttyACM0  0483:374b  066DFF495150897267173233  ST-LINK/V2-1  a description"));
  CHECK_THAT(table, Contains("/dev/ttyUSB0  0403:6001  -"));
}

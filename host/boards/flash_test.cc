// `shakedown flash`: which board, which tool, which command line. The tools
// themselves need a board; these are the decisions made before them.

#include "flash.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

using namespace shakedown::boards;
using shakedown::ErrorKind;

namespace {

SerialPortInfo stlink(const std::string& port, const std::string& serial) {
  return {port, "STM32 STLink", true, kStMicroelectronicsVid, 0x374b, serial};
}

std::string only_openocd(const std::string& name) {
  return name == "openocd" ? "/usr/bin/openocd" : "";
}
std::string only_st_flash(const std::string& name) {
  return name == "st-flash" ? "/usr/bin/st-flash" : "";
}
std::string none(const std::string&) {
  return "";
}

struct Images {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("shakedown-flash-" + std::to_string(getpid()));
  Images() {
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "fw.elf") << "elf";
    std::ofstream(dir / "fw.bin") << "bin";
    std::ofstream(dir / "lonely.elf") << "elf";
  }
  ~Images() { std::filesystem::remove_all(dir); }
  std::string operator/(const char* name) const { return (dir / name).string(); }
};

}  // namespace

TEST_CASE("the board is the ST-Link with the serial asked for, or the only one, never a guess between two") {
  const std::vector<SerialPortInfo> two = {stlink("/dev/ttyACM0", "066DFF49"), stlink("/dev/ttyACM1", "0670FF55")};
  auto chosen = choose_board(two, "0670FF55");
  REQUIRE(chosen.board);
  CHECK(chosen.board->name == "/dev/ttyACM1");

  auto ambiguous = choose_board(two, "");
  CHECK_FALSE(ambiguous.board);
  CHECK_FALSE(ambiguous.no_boards);
  CHECK(ambiguous.error == "2 ST-Links are attached: 066DFF49 (/dev/ttyACM0), 0670FF55 (/dev/ttyACM1); choose one "
                          "with --serial");

  auto wrong = choose_board(two, "DEADBEEF");
  CHECK_FALSE(wrong.board);
  CHECK(wrong.error.find("no attached ST-Link has serial number DEADBEEF") == 0);

  auto single = choose_board({stlink("/dev/ttyACM0", "066DFF49")}, "");
  REQUIRE(single.board);
  CHECK(single.board->serial == "066DFF49");

  // A USB serial adapter is not a board to flash.
  SerialPortInfo ftdi{"/dev/ttyUSB0", "FT232R", true, 0x0403, 0x6001, "A50285BI"};
  auto not_stlink = choose_board({ftdi}, "");
  CHECK(not_stlink.no_boards);
  CHECK(not_stlink.error == "no boards found: 1 USB serial port attached, none an ST-Link");
  CHECK(choose_board({}, "").no_boards);
}

TEST_CASE("the tool is the one asked for if installed, else openocd, else st-flash") {
  CHECK(choose_tool("", only_st_flash)->tool == FlashTool::kStFlash);
  auto openocd = choose_tool("", only_openocd);
  REQUIRE(openocd);
  CHECK(openocd->tool == FlashTool::kOpenocd);
  CHECK(openocd->path == "/usr/bin/openocd");
  auto missing = choose_tool("st-flash", only_openocd);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == ErrorKind::kUsage);
  CHECK(missing.error().message == "st-flash is not installed (apt-get install stlink-tools)");
  CHECK(choose_tool("", none).error().message.find("neither openocd nor st-flash") == 0);
  CHECK(choose_tool("jlink", only_openocd).error().message == "--tool jlink: expected openocd or st-flash");
}

TEST_CASE("openocd gets the ELF and the adapter's serial, st-flash the .bin at the flash base") {
  Images images;
  auto openocd = plan_flash(FlashTool::kOpenocd, "/usr/bin/openocd", "066DFF49", images / "fw.elf");
  REQUIRE(openocd);
  CHECK(openocd->argv == std::vector<std::string>{"/usr/bin/openocd", "-f", "board/st_nucleo_f4.cfg", "-c",
                                                  "adapter serial 066DFF49", "-c",
                                                  "program " + (images / "fw.elf") + " verify reset exit"});
  auto st = plan_flash(FlashTool::kStFlash, "/usr/bin/st-flash", "066DFF49", images / "fw.elf");
  REQUIRE(st);
  CHECK(st->image == images / "fw.bin");
  CHECK(st->argv == std::vector<std::string>{"/usr/bin/st-flash", "--serial", "066DFF49", "--reset", "write",
                                             images / "fw.bin", "0x08000000"});
  // No raw image beside the ELF: st-flash cannot be given one.
  const auto lonely = plan_flash(FlashTool::kStFlash, "/usr/bin/st-flash", "066DFF49", images / "lonely.elf");
  REQUIRE_FALSE(lonely);
  CHECK(lonely.error().kind == ErrorKind::kUsage);
  CHECK(lonely.error().message.find("st-flash needs the raw image") != std::string::npos);
  const auto absent = plan_flash(FlashTool::kOpenocd, "/usr/bin/openocd", "066DFF49", images / "absent.elf");
  REQUIRE_FALSE(absent);
  CHECK(absent.error().message.find("absent.elf: no such image") != std::string::npos);
}

TEST_CASE("a reset names the board to the tool by its serial number and leaves it running") {
  CHECK(reset_command(FlashTool::kStFlash, "/usr/bin/st-flash", "066DFF49") ==
        std::vector<std::string>{"/usr/bin/st-flash", "--serial", "066DFF49", "reset"});
  const auto openocd = reset_command(FlashTool::kOpenocd, "/usr/bin/openocd", "066DFF49");
  REQUIRE(openocd.size() == 11);
  CHECK(openocd[4] == "adapter serial 066DFF49");
  CHECK(openocd[8] == "reset run");
  CHECK(openocd.back() == "shutdown");
}

// The board target's state machine, driven through a stand-in bench that
// replays serial traffic recorded from the firmware (the QEMU image, field
// scenario 01 on 3.6/field-fixed: a verified TLS 1.2 handshake), with the
// faults a real bench shows. No board is needed: these run in CI.

#include "board_target.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <stop_token>
#include <thread>

#include "replayed_board.h"
#include "traffic_transcript.h"

using namespace shakedown;
using namespace shakedown::targets;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using protocol::MessageType;
using testing::ReplayedBench;
using testing::ReplayFaults;

namespace {

constexpr const char* kSerial = "0670FF535155878281102539";

const std::vector<links::TrafficChunk>& recording() {
  static const auto chunks =
      links::read_transcript(std::filesystem::path(SHAKEDOWN_TEST_DATA_DIR) / "serial/qemu-3.6-field-fixed.traffic");
  return chunks;
}

Bench one_board() {
  // The board's network is loopback here: the relay listens on 127.0.0.1 and
  // would accept only 127.0.0.2.
  return Bench{.boards = {{.name = "nucleo-a", .serial = kSerial, .address = "127.0.0.2",
                           .host_address = "127.0.0.1"}}};
}

BoardTargetOptions quick_options() {
  return BoardTargetOptions{.image_dir = "/nonexistent/images",
                            .banner_timeout = 400ms,
                            .reappear_timeout = 2s,
                            .poll_interval = 20ms};
}

HandshakeRequest field_fixed_cell() {
  return HandshakeRequest{.mbedtls_line = "3.6",
                          .profile = "field-fixed",
                          .server_port = 1,  // the replayed board connects nowhere
                          .ca_chain = std::vector<uint8_t>(900, 'A'),
                          .deadline = 10s};
}

struct Bench1 {
  ReplayedBench* board;  // owned by the target
  BoardTarget target;
};

std::unique_ptr<Bench1> bench_with(ReplayFaults faults, BoardTargetOptions options = quick_options()) {
  auto hardware = std::make_unique<ReplayedBench>(recording(), kSerial, std::move(faults));
  ReplayedBench* board = hardware.get();
  return std::unique_ptr<Bench1>(new Bench1{board, BoardTarget(one_board(), std::move(hardware), options)});
}

void require_the_recorded_pass(const HandshakeOutcome& outcome) {
  INFO(outcome.infrastructure_error.value_or(""));
  REQUIRE_FALSE(outcome.infrastructure_error);
  CHECK(outcome.report.result == 0);
  CHECK(outcome.report.version == "TLSv1.2");
  CHECK(outcome.report.suite == "TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384");
  CHECK(outcome.build.mbedtls_line == "3.6");
  CHECK(outcome.build.profile == "field-fixed");
  CHECK(outcome.device_log.size() > 100);
}

}  // namespace

TEST_CASE("a healthy board: reset once, sync, run the cell, the next cell needs only a protocol reset") {
  auto bench = bench_with({});
  require_the_recorded_pass(bench->target.handshake(field_fixed_cell()));
  CHECK(bench->board->resets() == 1);
  require_the_recorded_pass(bench->target.handshake(field_fixed_cell()));
  CHECK(bench->board->resets() == 1);
  CHECK(bench->board->requests(MessageType::kReset) == 1);
  CHECK(bench->board->flashed().empty());
}

TEST_CASE("no banner after a reset: one more reset, then the cell runs") {
  auto bench = bench_with({.silent_boots = 1});
  require_the_recorded_pass(bench->target.handshake(field_fixed_cell()));
  CHECK(bench->board->resets() == 2);
}

TEST_CASE("no banner after any reset is an infrastructure error for the cell, within its bounds") {
  auto bench = bench_with({.silent_boots = 100});
  const auto start = std::chrono::steady_clock::now();
  const auto outcome = bench->target.handshake(field_fixed_cell());
  REQUIRE(outcome.infrastructure_error);
  CHECK_THAT(*outcome.infrastructure_error, Contains("nucleo-a") && Contains("no banner after 2 resets"));
  CHECK(bench->board->resets() == 2);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  CHECK(bench->board->requests(MessageType::kConnect) == 0);
}

TEST_CASE("noise on the line between frames is skipped and the cell runs") {
  auto bench = bench_with({.noise_before_replies = 40});
  require_the_recorded_pass(bench->target.handshake(field_fixed_cell()));
}

TEST_CASE("nothing but noise on the line is an infrastructure error, never a result") {
  auto bench = bench_with({.noise_only = true});
  const auto outcome = bench->target.handshake(field_fixed_cell());
  REQUIRE(outcome.infrastructure_error);
  CHECK_THAT(*outcome.infrastructure_error, Contains("no banner") && Contains("malformed"));
}

TEST_CASE("the port vanishing mid-handshake fails that cell, the next reopens the board by serial number") {
  auto bench = bench_with({.vanish_on = MessageType::kConnect});
  const auto first = bench->target.handshake(field_fixed_cell());
  REQUIRE(first.infrastructure_error);
  CHECK_THAT(*first.infrastructure_error, Contains("nucleo-a") && Contains("/dev/ttyACM0") && Contains("device gone"));
  // Back as ttyACM1 after a while; found by its serial number.
  require_the_recorded_pass(bench->target.handshake(field_fixed_cell()));
  CHECK(bench->board->port_name() == "/dev/ttyACM1");
  CHECK(bench->board->resets() == 2);
}

TEST_CASE("a board that stops answering mid-handshake fails that cell within the deadline, a reset revives it") {
  auto bench = bench_with({.hang_on = MessageType::kConnect});
  auto cell = field_fixed_cell();
  cell.deadline = 1500ms;
  const auto start = std::chrono::steady_clock::now();
  const auto first = bench->target.handshake(cell);
  REQUIRE(first.infrastructure_error);
  CHECK_THAT(*first.infrastructure_error, Contains("no reply"));
  CHECK(std::chrono::steady_clock::now() - start < 3s);
  require_the_recorded_pass(bench->target.handshake(field_fixed_cell()));
  CHECK(bench->board->resets() == 2);
}

TEST_CASE("a board that does not take the protocol reset between cells gets a hardware reset, and the cell runs") {
  auto bench = bench_with({.hang_on = MessageType::kReset});
  require_the_recorded_pass(bench->target.handshake(field_fixed_cell()));
  CHECK(bench->board->resets() == 1);
  const auto start = std::chrono::steady_clock::now();
  require_the_recorded_pass(bench->target.handshake(field_fixed_cell()));
  CHECK(bench->board->requests(MessageType::kReset) == 1);
  CHECK(bench->board->resets() == 2);
  CHECK(std::chrono::steady_clock::now() - start < 5s);  // the protocol reset's bound (2 s), then the cell
}

TEST_CASE("a board that stops answering: a stop request ends the wait at once, long before the deadline") {
  auto bench = bench_with({.hang_on = MessageType::kConnect});
  auto cell = field_fixed_cell();
  cell.deadline = 60s;
  std::stop_source stop;
  cell.stop = stop.get_token();
  std::jthread stopper([&] {
    std::this_thread::sleep_for(500ms);
    stop.request_stop();
  });
  const auto start = std::chrono::steady_clock::now();
  const auto outcome = bench->target.handshake(cell);
  REQUIRE(outcome.infrastructure_error);
  CHECK_THAT(*outcome.infrastructure_error, Contains("the run is stopping"));
  CHECK(std::chrono::steady_clock::now() - start < 3s);
}

TEST_CASE("a board that is not attached is an infrastructure error naming its serial number") {
  auto hardware = std::make_unique<ReplayedBench>(recording(), "SOMEOTHERBOARD", ReplayFaults{});
  BoardTarget target(one_board(), std::move(hardware), quick_options());
  const auto outcome = target.handshake(field_fixed_cell());
  REQUIRE(outcome.infrastructure_error);
  CHECK_THAT(*outcome.infrastructure_error, Contains(kSerial) && Contains("no serial port"));
}

TEST_CASE("a board absent from the start fails later cells at once, not after the re-enumeration wait") {
  auto hardware = std::make_unique<ReplayedBench>(recording(), "SOMEOTHERBOARD", ReplayFaults{});
  BoardTarget target(one_board(), std::move(hardware), quick_options());
  REQUIRE(target.handshake(field_fixed_cell()).infrastructure_error);  // waits reappear_timeout once
  const auto start = std::chrono::steady_clock::now();
  for (int cell = 0; cell < 3; ++cell) {
    const auto outcome = target.handshake(field_fixed_cell());
    REQUIRE(outcome.infrastructure_error);
    CHECK_THAT(*outcome.infrastructure_error, Contains("nor was it for this run's earlier cells"));
  }
  CHECK(std::chrono::steady_clock::now() - start < quick_options().reappear_timeout);
}

TEST_CASE("a board running another build is flashed with the cell's image by its serial number") {
  auto bench = bench_with({.runs_before_flash = std::pair<std::string, std::string>{"2.28", "default-16k"}});
  require_the_recorded_pass(bench->target.handshake(field_fixed_cell()));
  REQUIRE(bench->board->flashed().size() == 1);
  CHECK(bench->board->flashed()[0].filename() == "firmware-nucleo-f429zi-3.6-field-fixed.elf");
  CHECK(bench->board->resets() == 2);  // before the first sync, and after flashing
}

TEST_CASE("with flashing off, a board running another build is an infrastructure error saying what it runs") {
  auto options = quick_options();
  options.flash = false;
  auto bench = bench_with({.runs_before_flash = std::pair<std::string, std::string>{"2.28", "default-16k"}}, options);
  const auto outcome = bench->target.handshake(field_fixed_cell());
  REQUIRE(outcome.infrastructure_error);
  CHECK_THAT(*outcome.infrastructure_error, Contains("runs Mbed TLS 2.28 with default-16k"));
  CHECK(bench->board->flashed().empty());
}

TEST_CASE("a banner saying the Ethernet found no PHY is an infrastructure error that says so, before any connect") {
  auto bench = bench_with({.ethernet_start = 2});  // agent::NetworkStart::kNoPhy
  const auto outcome = bench->target.handshake(field_fixed_cell());
  REQUIRE(outcome.infrastructure_error);
  CHECK_THAT(*outcome.infrastructure_error,
             Contains("nucleo-a") && Contains("no PHY answered on MDIO") && Contains("link down"));
  CHECK(bench->board->requests(MessageType::kConnect) == 0);
  // The board is reset again for the next cell: a PHY that missed its
  // straps may answer after another reset.
  const int resets = bench->board->resets();
  REQUIRE(bench->target.handshake(field_fixed_cell()).infrastructure_error);
  CHECK(bench->board->resets() > resets);
}

TEST_CASE("a banner saying the MAC had no reference clock is an infrastructure error naming it") {
  auto bench = bench_with({.ethernet_start = 1});  // agent::NetworkStart::kNoRefClock
  const auto outcome = bench->target.handshake(field_fixed_cell());
  REQUIRE(outcome.infrastructure_error);
  CHECK_THAT(*outcome.infrastructure_error, Contains("no RMII reference clock"));
  CHECK(bench->board->requests(MessageType::kConnect) == 0);
}

TEST_CASE("a recorded transcript that does not parse names the file, line and field") {
  const auto path = std::filesystem::temp_directory_path() / ("shakedown-bad-" + std::to_string(::getpid()) + ".traffic");
  {
    std::ofstream out(path);
    out << "# shakedown device traffic v1\n@0.000 > 00 05 01\n@0.010 < 00 zz 01\n";
  }
  CHECK_THROWS_WITH(links::read_transcript(path), Contains(path.string() + ":3: bytes: 'zz ' is not a hex byte"));
  std::filesystem::remove(path);
}

TEST_CASE("a transcript's text parses as its file does, its messages naming the path given") {
  const auto chunks = links::parse_transcript("# shakedown device traffic v1\n# link: x\n@0.000 > 00 05\n@0.010 < 01\n",
                                              "rec.traffic");
  REQUIRE(chunks.size() == 2);
  CHECK(chunks[0].direction == links::TrafficChunk::Direction::kToDevice);
  CHECK(chunks[0].bytes == std::vector<uint8_t>{0x00, 0x05});
  CHECK(chunks[1].line == 4);
  CHECK_THROWS_WITH(links::parse_transcript("# shakedown device traffic v1\n@x > 00\n", "rec.traffic"),
                    StartsWith("rec.traffic:2: time:"));
}

TEST_CASE("a transcript's time that is not a finite number of seconds is refused") {
  const char* time = GENERATE("nan", "inf", "-1", "1e999");
  CHECK_THROWS_WITH(links::parse_transcript(std::string("# shakedown device traffic v1\n@") + time + " > 00\n", "t"),
                    StartsWith("t:2: time: not a number of seconds"));
}

TEST_CASE("the recording link writes what it carries as a transcript that reads back byte for byte") {
  // A stand-in link over the replayed board, recorded.
  auto hardware = std::make_unique<ReplayedBench>(recording(), kSerial, ReplayFaults{});
  auto ports = hardware->ports();
  REQUIRE(ports);
  const auto path = std::filesystem::temp_directory_path() / ("shakedown-rec-" + std::to_string(::getpid()) + ".traffic");
  {
    links::RecordingLink link(hardware->open("/dev/ttyACM0").value(), path);
    device::DeviceClient device(link);
    const auto banner = device.sync(2s);
    CHECK(banner.build.profile == "field-fixed");
  }
  const auto chunks = links::read_transcript(path);
  REQUIRE(chunks.size() >= 2);
  CHECK(chunks.front().direction == links::TrafficChunk::Direction::kToDevice);
  CHECK(chunks.front().bytes.front() == 0x00);  // a frame's leading delimiter
  CHECK(chunks.back().direction == links::TrafficChunk::Direction::kFromDevice);
  std::filesystem::remove(path);
}

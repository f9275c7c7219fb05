#include "board_target.h"

#include <fmt/format.h>

#include <thread>

#include "device_session.h"
#include "flash.h"
#include "serial_link.h"
#include "subprocess.h"
#include "traffic_transcript.h"

namespace shakedown::targets {
namespace {

using namespace std::chrono_literals;
using Clock = SteadyClock;

constexpr auto kProtocolReset = 2s;  // a healthy agent acknowledges reset at once
constexpr auto kToolTimeout = 120s;  // openocd or st-flash, flashing 400 KB

bool same_build(const device::BuildFacts& build, const HandshakeRequest& request) {
  return build.mbedtls_line == request.mbedtls_line && build.profile == request.profile;
}

}  // namespace

BoardTarget::BoardTarget(Bench bench, std::unique_ptr<BenchHardware> hardware, BoardTargetOptions options)
    : hardware_(std::move(hardware)), options_(std::move(options)) {
  for (auto& spec : bench.boards) {
    auto board = std::make_unique<Board>();
    board->spec = std::move(spec);
    boards_.push_back(std::move(board));
  }
}

BoardTarget::~BoardTarget() {
  shut_down();
}

std::filesystem::path BoardTarget::image_path(const std::string& mbedtls_line, const std::string& profile) const {
  return options_.image_dir / fmt::format("firmware-nucleo-f429zi-{}-{}.elf", mbedtls_line, profile);
}

std::optional<std::string> BoardTarget::unavailable(const std::string& mbedtls_line,
                                                    const std::string& profile) const {
  if (!options_.flash || std::filesystem::exists(image_path(mbedtls_line, profile))) return std::nullopt;
  return fmt::format("no NUCLEO-F429ZI image for Mbed TLS {} with profile {}: {} (build preset nucleo, or pass "
                     "--firmware-dir)",
                     mbedtls_line, profile, image_path(mbedtls_line, profile).string());
}

BoardTarget::Board* BoardTarget::acquire(Clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  for (;;) {
    for (auto& board : boards_) {
      if (!board->busy) {
        board->busy = true;
        return board.get();
      }
    }
    if (freed_.wait_until(lock, deadline) == std::cv_status::timeout) return nullptr;
  }
}

void BoardTarget::release(Board& board) {
  {
    std::lock_guard lock(mutex_);
    board.busy = false;
  }
  freed_.notify_one();
}

void BoardTarget::drop_link(Board& board) {
  board.device.reset();
  board.link.reset();
  board.running.reset();
  board.needs_reset = true;
}

void BoardTarget::open_link(Board& board, Clock::time_point deadline) {
  if (board.link) return;
  // The port is looked up by the ST-Link's serial number each time: after a
  // re-enumeration it may be back under another name, or not back yet.
  const auto give_up = std::min(deadline, Clock::now() + options_.reappear_timeout);
  std::string port, error;
  for (;;) {
    if (auto ports = hardware_->ports(error)) {
      for (const auto& p : *ports) {
        if (p.usb && p.serial == board.spec.serial) port = p.name;
      }
      if (!port.empty()) break;
      error = fmt::format("no serial port with USB serial number {} is attached", board.spec.serial);
    }
    if (Clock::now() + options_.poll_interval >= give_up) {
      throw std::runtime_error(
          fmt::format("after {} ms: {}",
                      std::chrono::duration_cast<std::chrono::milliseconds>(options_.reappear_timeout).count(), error));
    }
    std::this_thread::sleep_for(options_.poll_interval);
  }
  auto link = hardware_->open(port, error);
  if (!link) throw std::runtime_error(fmt::format("cannot open {}: {}", port, error));
  if (!options_.traffic_dir.empty()) {
    link = std::make_unique<links::RecordingLink>(
        std::move(link), options_.traffic_dir / fmt::format("board-{}-{}.traffic", board.spec.name, ++board.sessions));
  }
  board.link = std::move(link);
  board.device = std::make_unique<device::DeviceClient>(*board.link);
  board.needs_reset = true;
}

void BoardTarget::reset_and_sync(Board& board, Clock::time_point deadline) {
  std::string why;
  for (int attempt = 1; attempt <= options_.resets_before_giving_up; ++attempt) {
    open_link(board, deadline);
    if (std::string error = hardware_->reset(board.spec.serial); !error.empty()) {
      throw std::runtime_error(fmt::format("reset failed: {}", error));
    }
    try {
      const auto banner = board.device->sync(std::min(options_.banner_timeout, left_until(deadline)));
      board.running = banner.build;
      board.needs_reset = false;
      return;
    } catch (const device::DeviceError& e) {
      why = e.what();
      // A port that went away comes back (or not) by its serial number.
      if (board.link) {
        std::array<uint8_t, 1> probe{};
        if (board.link->read(probe, 1ms).status == links::LinkRead::Status::kClosed) drop_link(board);
      }
    }
    if (Clock::now() >= deadline) break;
  }
  throw std::runtime_error(fmt::format("no banner after {} reset{}: {}", options_.resets_before_giving_up,
                                       options_.resets_before_giving_up == 1 ? "" : "s", why));
}

void BoardTarget::ensure_build(Board& board, const HandshakeRequest& request, Clock::time_point deadline) {
  if (!board.needs_reset && board.device) {
    try {
      board.device->reset(std::min<std::chrono::milliseconds>(kProtocolReset, left_until(deadline)));
    } catch (const device::DeviceError&) {
      board.needs_reset = true;  // it did not take a protocol reset: try the hardware one
    }
  }
  if (board.needs_reset) reset_and_sync(board, deadline);
  if (same_build(*board.running, request)) return;
  const std::string running = fmt::format("Mbed TLS {} with {}", board.running->mbedtls_line, board.running->profile);
  if (!options_.flash) {
    throw std::runtime_error(fmt::format("it runs {}, not {} with {} (flashing is off)", running,
                                         request.mbedtls_line, request.profile));
  }
  const auto image = image_path(request.mbedtls_line, request.profile);
  if (std::string error = hardware_->flash(board.spec.serial, image); !error.empty()) {
    board.needs_reset = true;
    throw std::runtime_error(fmt::format("flashing {} failed: {}", image.filename().string(), error));
  }
  reset_and_sync(board, deadline);
  if (!same_build(*board.running, request)) {
    throw std::runtime_error(fmt::format("after flashing {} it still says it runs Mbed TLS {} with {}",
                                         image.filename().string(), board.running->mbedtls_line,
                                         board.running->profile));
  }
}

HandshakeOutcome BoardTarget::handshake(const HandshakeRequest& request) {
  HandshakeOutcome outcome;
  const auto deadline = Clock::now() + request.deadline;
  Board* board = acquire(deadline);
  if (board == nullptr) {
    outcome.infrastructure_error = "no board of the bench became free before the cell's deadline";
    return outcome;
  }
  try {
    if (!board->relay) board->relay = std::make_unique<BenchRelay>(board->spec.host_address, board->spec.address);
    ensure_build(*board, request, deadline);
    outcome.build = *board->running;
    board->relay->set_server_port(request.server_port);
    run_handshake_exchange(*board->device, request, with_host_time(request.config), board->spec.host_address,
                           board->relay->port(), deadline, outcome);
  } catch (const std::exception& e) {
    // Whatever state the board is in, the next cell starts from a reset
    // and a freshly opened port.
    outcome.infrastructure_error = fmt::format("board {} (ST-Link {}): {}", board->spec.name, board->spec.serial, e.what());
    drop_link(*board);
  }
  release(*board);
  return outcome;
}

std::vector<std::string> BoardTarget::shut_down() {
  std::lock_guard lock(mutex_);
  for (auto& board : boards_) {
    board->device.reset();
    board->link.reset();
    board->relay.reset();
  }
  return {};
}

StLinkBench::StLinkBench(std::string tool) : tool_(std::move(tool)) {}

std::optional<std::vector<boards::SerialPortInfo>> StLinkBench::ports(std::string& error) {
  return boards::enumerate_serial_ports(error);
}

std::unique_ptr<links::Link> StLinkBench::open(const std::string& port, std::string& error) {
  return links::SerialLink::open(port, links::kBoardBaudRate, error);
}

namespace {

std::string run_tool(const std::vector<std::string>& argv) {
  const auto result = process::run_process(argv, kToolTimeout);
  if (result.exited_cleanly()) return "";
  return fmt::format("{} {}: {}", argv.front(), result.describe(), tail(result.err.empty() ? result.out : result.err));
}

}  // namespace

std::string StLinkBench::reset(const std::string& serial) {
  const auto tool = boards::choose_installed_tool(tool_);
  if (!tool.tool) return tool.error;
  return run_tool(boards::reset_command(*tool.tool, tool.path, serial));
}

std::string StLinkBench::flash(const std::string& serial, const std::filesystem::path& image) {
  const auto tool = boards::choose_installed_tool(tool_);
  if (!tool.tool) return tool.error;
  std::string error;
  const auto plan = boards::plan_flash(*tool.tool, tool.path, serial, image.string(), error);
  if (!plan) return error;
  return run_tool(plan->argv);
}

}  // namespace shakedown::targets

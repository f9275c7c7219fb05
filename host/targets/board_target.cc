#include "board_target.h"

#include <fmt/format.h>

#include <thread>

#include "flash.h"
#include "network_serial.h"
#include "openocd_tcl.h"
#include "serial_link.h"
#include "subprocess.h"
#include "traffic_transcript.h"

namespace shakedown::targets {
namespace {

using namespace std::chrono_literals;
using Clock = SteadyClock;

constexpr auto kProtocolReset = 2s;  // a healthy agent acknowledges reset at once
constexpr auto kToolTimeout = 120s;  // openocd or st-flash, flashing 400 KB
constexpr auto kRemoteReset = 10s;   // openocd's `reset run`, with the network between
constexpr auto kNetworkConnect = 5s;  // to ser2net, RFC 2217's set-up included

bool same_build(const device::BuildFacts& build, const HandshakeRequest& request) {
  return build.mbedtls_line == request.mbedtls_line && build.profile == request.profile;
}

}  // namespace

// One board of the bench: its link, what it runs, its relay. Off until
// boot() (a hardware reset and sync); stop() drops the link, so the next
// boot() reopens the port by serial number and resets the board.
class BoardDevice final : public DeviceInstance {
 public:
  BoardDevice(BoardBackend& backend, BenchBoard spec) : backend_(backend), spec_(std::move(spec)) {}

  std::string label() const override {
    if (spec_.remote_link()) return fmt::format("board {} ({})", spec_.name, spec_.serial);
    return fmt::format("board {} (ST-Link {})", spec_.name, spec_.serial);
  }
  RanOn ran_on() const override {
    const auto remote = links::parse_network_serial(spec_.serial);
    return {remote ? remote->host : this_host_name(), label()};
  }
  bool up() const override { return device_ && !needs_reset_; }

  void boot(const HandshakeRequest& request, Clock::time_point deadline) override {
    if (!relay_) relay_ = std::make_unique<BenchRelay>(spec_.host_address, spec_.address, spec_.relay_port);
    reset_and_sync(deadline);
    ensure_build(request, deadline);
  }

  bool reset(const HandshakeRequest& request, Clock::time_point deadline) override {
    try {
      device_->reset(std::min<std::chrono::milliseconds>(kProtocolReset, left_until(deadline)));
    } catch (const device::DeviceError&) {
      return false;  // it did not take a protocol reset: the hardware one next
    }
    ensure_build(request, deadline);
    return true;
  }

  device::DeviceClient& device() override { return *device_; }
  const device::BuildFacts& build() const override { return *running_; }
  std::optional<device::NetworkState> network() const override { return network_; }

  ServerEndpoint server_endpoint(const std::string& address, uint16_t server_port) override {
    relay_->set_server(address, server_port);
    if (spec_.board_dials) return {spec_.board_dials->host, spec_.board_dials->port};
    return {spec_.host_address, relay_->port()};
  }

  InstanceExit stop(std::chrono::milliseconds) override {
    drop_link();
    return {.kind = ExitKind::kStopped};
  }
  ExitKind healthy_exit() const override { return ExitKind::kStopped; }

 private:
  void drop_link();
  // The steps of the board target's header; each throws std::runtime_error
  // (or DeviceError) with what went wrong.
  void open_link(Clock::time_point deadline);
  // The port's name now, waiting up to `give_up` for it to be there.
  std::string find_port(Clock::time_point give_up, std::chrono::milliseconds wait);
  std::unique_ptr<links::Link> connect(const std::string& port, Clock::time_point give_up,
                                       std::chrono::milliseconds wait);
  void reset_and_sync(Clock::time_point deadline);
  void ensure_build(const HandshakeRequest& request, Clock::time_point deadline);

  BoardBackend& backend_;
  BenchBoard spec_;
  std::unique_ptr<links::Link> link_;
  std::unique_ptr<device::DeviceClient> device_;
  std::optional<device::BuildFacts> running_;  // what its last banner said
  std::optional<device::NetworkState> network_;
  bool needs_reset_ = true;  // first use, or after trouble
  std::unique_ptr<BenchRelay> relay_;
  unsigned sessions_ = 0;
  bool seen_ = false;    // its port was found in this run
  bool missed_ = false;  // a look for its port timed out
};

void BoardDevice::drop_link() {
  device_.reset();
  link_.reset();
  running_.reset();
  needs_reset_ = true;
}

void BoardDevice::open_link(Clock::time_point deadline) {
  if (link_) return;
  const BoardTargetOptions& options = backend_.options_;
  // A board never seen in this run is looked for once after its first miss:
  // a bench with an unplugged board (or a bench host that is down) fails
  // each later cell at once, not after the wait meant for a board
  // re-enumerating after a flash or a ser2net restarting.
  const auto wait = seen_ || !missed_ ? options.reappear_timeout : std::chrono::milliseconds(0);
  const auto give_up = std::min(deadline, Clock::now() + wait);
  const std::string port = spec_.remote_link() ? spec_.serial : find_port(give_up, wait);
  std::unique_ptr<links::Link> link = connect(port, give_up, wait);
  seen_ = true;
  if (!options.traffic_dir.empty()) {
    link = std::make_unique<links::RecordingLink>(
        std::move(link), options.traffic_dir / fmt::format("board-{}-{}.traffic", spec_.name, ++sessions_));
  }
  link_ = std::move(link);
  device_ = std::make_unique<device::DeviceClient>(*link_);
  needs_reset_ = true;
}

std::string BoardDevice::find_port(Clock::time_point give_up, std::chrono::milliseconds wait) {
  // Looked up by the ST-Link's serial number each time: after a
  // re-enumeration it may be back under another name, or not back yet.
  std::string why;
  for (;;) {
    if (auto ports = backend_.hardware_->ports()) {
      for (const auto& p : *ports) {
        if (p.usb && p.serial == spec_.serial) return p.name;
      }
      why = fmt::format("no serial port with USB serial number {} is attached{}", spec_.serial,
                        missed_ && !seen_ ? " (nor was it for this run's earlier cells)" : "");
    } else {
      why = ports.error().message;
    }
    if (Clock::now() + backend_.options_.poll_interval >= give_up) {
      missed_ = true;
      throw std::runtime_error(fmt::format("after {} ms: {}", wait.count(), why));
    }
    std::this_thread::sleep_for(backend_.options_.poll_interval);
  }
}

std::unique_ptr<links::Link> BoardDevice::connect(const std::string& port, Clock::time_point give_up,
                                                  std::chrono::milliseconds wait) {
  // A local port that is listed opens at once or not at all; a network one
  // may be refused while its ser2net restarts, so it is tried until give_up.
  for (;;) {
    auto opened = backend_.hardware_->open(port);
    if (opened) return std::move(opened).value();
    if (!spec_.remote_link()) throw std::runtime_error(fmt::format("cannot open {}: {}", port, opened.error().message));
    if (Clock::now() + backend_.options_.poll_interval >= give_up) {
      missed_ = true;
      throw std::runtime_error(fmt::format("after {} ms: {}", wait.count(), opened.error().message));
    }
    std::this_thread::sleep_for(backend_.options_.poll_interval);
  }
}

void BoardDevice::reset_and_sync(Clock::time_point deadline) {
  const BoardTargetOptions& options = backend_.options_;
  std::string why;
  for (int attempt = 1; attempt <= options.resets_before_giving_up; ++attempt) {
    open_link(deadline);
    if (const auto reset = backend_.hardware_->reset(spec_); !reset) {
      throw std::runtime_error(fmt::format("reset failed: {}", reset.error().message));
    }
    try {
      const auto banner = device_->sync(std::min(options.banner_timeout, left_until(deadline)));
      running_ = banner.build;
      network_ = banner.network;
      needs_reset_ = false;
      return;
    } catch (const device::DeviceError& e) {
      why = e.what();
      // A port that went away comes back (or not) by its serial number.
      if (link_) {
        std::array<uint8_t, 1> probe{};
        if (link_->read(probe, 1ms).status == links::LinkRead::Status::kClosed) drop_link();
      }
    }
    if (Clock::now() >= deadline) break;
  }
  throw std::runtime_error(fmt::format("no banner after {} reset{}: {}", options.resets_before_giving_up,
                                       options.resets_before_giving_up == 1 ? "" : "s", why));
}

void BoardDevice::ensure_build(const HandshakeRequest& request, Clock::time_point deadline) {
  if (same_build(*running_, request)) return;
  const std::string running = fmt::format("Mbed TLS {} with {}", running_->mbedtls_line, running_->profile);
  if (!backend_.options_.flash) {
    throw std::runtime_error(
        fmt::format("it runs {}, not {} with {} (flashing is off)", running, request.mbedtls_line, request.profile));
  }
  const auto image = backend_.image_path(request.mbedtls_line, request.profile);
  if (const auto flashed = backend_.hardware_->flash(spec_, image); !flashed) {
    needs_reset_ = true;
    throw std::runtime_error(fmt::format("flashing {} failed: {}", image.filename().string(), flashed.error().message));
  }
  reset_and_sync(deadline);
  if (!same_build(*running_, request)) {
    throw std::runtime_error(fmt::format("after flashing {} it still says it runs Mbed TLS {} with {}",
                                         image.filename().string(), running_->mbedtls_line, running_->profile));
  }
}

BoardBackend::BoardBackend(Bench bench, std::unique_ptr<BenchHardware> hardware, BoardTargetOptions options)
    : bench_(std::move(bench)), hardware_(std::move(hardware)), options_(std::move(options)) {}

std::vector<std::unique_ptr<DeviceInstance>> BoardBackend::fleet() {
  std::vector<std::unique_ptr<DeviceInstance>> boards;
  for (auto& spec : bench_.boards) boards.push_back(std::make_unique<BoardDevice>(*this, std::move(spec)));
  bench_.boards.clear();
  return boards;
}

std::filesystem::path BoardBackend::image_path(const std::string& mbedtls_line, const std::string& profile) const {
  return options_.image_dir / fmt::format("firmware-nucleo-f429zi-{}-{}.elf", mbedtls_line, profile);
}

std::optional<std::string> BoardBackend::unavailable(const std::string& mbedtls_line,
                                                     const std::string& profile) const {
  if (!options_.flash || std::filesystem::exists(image_path(mbedtls_line, profile))) return std::nullopt;
  return fmt::format(
      "no NUCLEO-F429ZI image for Mbed TLS {} with profile {}: {} (build preset nucleo, or pass "
      "--firmware-dir)",
      mbedtls_line, profile, image_path(mbedtls_line, profile).string());
}

StLinkBench::StLinkBench(std::string tool) : tool_(std::move(tool)) {}

Result<std::vector<boards::SerialPortInfo>> StLinkBench::ports() {
  return boards::enumerate_serial_ports();
}

Result<std::unique_ptr<links::Link>> StLinkBench::open(const std::string& port) {
  if (const auto remote = links::parse_network_serial(port)) {
    return links::open_network_serial(*remote, links::kBoardBaudRate, kNetworkConnect);
  }
  auto link = links::SerialLink::open(port, links::kBoardBaudRate);
  if (!link) return link.error();
  return std::unique_ptr<links::Link>(std::move(link).value());
}

namespace {

Result<void> run_tool(const std::vector<std::string>& argv) {
  const auto result = process::run_process(argv, kToolTimeout);
  if (result.exited_cleanly()) return {};
  return infrastructure_error(
      fmt::format("{} {}: {}", argv.front(), result.describe(), tail(result.err.empty() ? result.out : result.err)));
}

}  // namespace

Result<void> StLinkBench::reset(const BenchBoard& board) {
  if (board.openocd) {
    return boards::run_openocd_command(board.openocd->host, board.openocd->port, boards::openocd_reset_command(),
                                       kRemoteReset);
  }
  const auto tool = boards::choose_installed_tool(tool_);
  if (!tool) return tool.error();
  return run_tool(boards::reset_command(tool->tool, tool->path, board.serial));
}

Result<void> StLinkBench::flash(const BenchBoard& board, const std::filesystem::path& image) {
  if (board.openocd) {
    // openocd reads the image on its own host: from `images` there, or
    // from the same path where that host shares this one's folder.
    const auto there = board.images.empty() ? image : std::filesystem::path(board.images) / image.filename();
    std::string command;
    try {
      command = boards::openocd_program_command(there);
    } catch (const std::invalid_argument& e) {
      return usage_error(e.what());
    }
    return boards::run_openocd_command(board.openocd->host, board.openocd->port, command, kToolTimeout);
  }
  const auto tool = boards::choose_installed_tool(tool_);
  if (!tool) return tool.error();
  const auto plan = boards::plan_flash(tool->tool, tool->path, board.serial, image.string());
  if (!plan) return plan.error();
  return run_tool(plan->argv);
}

}  // namespace shakedown::targets

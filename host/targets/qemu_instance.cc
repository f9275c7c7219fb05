#include "qemu_instance.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include "split_link.h"
#include "traffic_transcript.h"

namespace shakedown::targets {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kSync = 5s;
constexpr auto kHelperExit = 2s;

std::filesystem::path make_work_dir(const std::filesystem::path& parent) {
  std::string pattern =
      (parent.empty() ? std::filesystem::temp_directory_path() / "shakedown-qemu-XXXXXX" : parent / "qemu-XXXXXX")
          .string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a temporary folder in " + pattern);
  return pattern;
}

// QEMU runs in its work folder, and the files there are named relative to
// it: the folder may be under the user's --out, whose path QEMU's option
// parser (commas) or slirp's shell (spaces) would split.
constexpr const char* kServerFile = "server";  // "ADDRESS PORT", read by the relay
constexpr const char* kPidFile = "relay-pids";
constexpr const char* kOutputPipe = "device-out";

// The NIC's netdev, as the monitor's set_link names it.
constexpr const char* kNetdev = "net0";
constexpr auto kMonitorReply = 2s;

// `monitor_port` 0: no monitor; else QEMU starts paused with its machine
// monitor (QMP) connected to 127.0.0.1:monitor_port.
std::vector<std::string> command(const QemuOptions& o, uint16_t uart_port, uint16_t monitor_port) {
  // Each guest connection runs this; it records its pid, so it can be found
  // after QEMU is gone.
  const std::string relay = fmt::format("{} {} {}", o.relay.string(), kServerFile, kPidFile);
  std::vector<std::string> monitor = {"-monitor", "none"};
  if (monitor_port != 0) {
    monitor = {"-S", "-chardev", fmt::format("socket,id=monitor,host=127.0.0.1,port={},server=off", monitor_port),
               "-mon", "chardev=monitor,mode=control"};
  }
  std::vector<std::string> argv = {
      o.qemu.string(),
      "-M",
      "mps2-an386",
      "-nographic",
      "-kernel",
      std::filesystem::absolute(o.image).string(),
      "-semihosting-config",
      o.output_pipe ? fmt::format("enable=on,target=native,arg=firmware,arg=--device-out={}", kOutputPipe)
                    : "enable=on,target=native",
      "-chardev",
      fmt::format("socket,id=uart0,host=127.0.0.1,port={},server=off", uart_port),
      "-serial",
      "chardev:uart0",
      "-nic",
      fmt::format("user,id={},model=lan9118,restrict=on,guestfwd=tcp:{}:{}-cmd:{}", kNetdev, kGuestServerAddress,
                  kGuestServerPort, relay)};
  argv.insert(argv.end(), monitor.begin(), monitor.end());
  return argv;
}

}  // namespace

InstanceExit with_firmware_meaning(InstanceExit exit) {
  // The port's FatalExit codes (firmware/ports/qemu-mps2-an386/semihosting.h).
  static const std::vector<std::pair<int, const char*>> kMeanings = {
      {10, "a peripheral did not answer"}, {11, "lwIP assertion"}, {12, "CPU fault"},
      {13, "newlib heap exhausted"},       {14, "abort"},          {1, "QEMU error"},
  };
  if (exit.kind != ExitKind::kExitCode) return exit;
  for (const auto& [code, meaning] : kMeanings) {
    if (exit.number == code) exit.meaning = meaning;
  }
  return exit;
}

QemuInstance::QemuInstance(const QemuOptions& options) : work_dir_(make_work_dir(options.scratch_dir)) {
  // Helpers orphaned by QEMU come to us, not to init, so we can reap them.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  int output_fd = -1;  // owned here until the link takes it
  try {
    auto listener = links::TcpListener::open();
    if (!listener) throw std::runtime_error(listener.error().message);
    set_server("127.0.0.1", options.server_port);
    // The agent's output pipe, open before QEMU starts so nothing the guest
    // writes is lost; O_RDWR so it never reads as closed meanwhile.
    if (options.output_pipe) {
      const std::filesystem::path output_pipe = work_dir_ / kOutputPipe;
      if (::mkfifo(output_pipe.c_str(), 0600) != 0 ||
          (output_fd = ::open(output_pipe.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0) {
        throw std::runtime_error("cannot make the output pipe " + output_pipe.string() + ": " + std::strerror(errno));
      }
    }
    std::optional<links::TcpListener> monitor_listener;
    if (options.link_down_at_boot) {
      auto opened = links::TcpListener::open();
      if (!opened) throw std::runtime_error(opened.error().message);
      monitor_listener.emplace(std::move(opened).value());
    }
    child_.emplace(command(options, listener->port(), monitor_listener ? monitor_listener->port() : 0), work_dir_);
    auto link = listener->accept(options.boot_timeout, [this] { return !child_->running(); });
    if (!link) {
      throw std::runtime_error(child_->running() ? "UART0 did not attach: " + link.error().message
                                                 : "QEMU ended before UART0 attached");
    }
    if (monitor_listener) {
      auto monitor = monitor_listener->accept(options.boot_timeout, [this] { return !child_->running(); });
      if (!monitor) throw std::runtime_error("QEMU's monitor did not attach: " + monitor.error().message);
      monitor_.emplace(std::move(monitor).value());
      monitor_command(R"({"execute": "qmp_capabilities"})");  // after QMP's greeting, which holds neither word
      set_link(false);
      monitor_command(R"({"execute": "cont"})");  // QEMU started paused (-S): the guest boots with its link down
    }
    if (output_fd >= 0) {
      link_ = std::make_unique<links::SplitLink>(std::exchange(output_fd, -1),
                                                 std::make_unique<links::TcpLink>(std::move(*link)));
    } else {
      link_ = std::make_unique<links::TcpLink>(std::move(*link));
    }
    if (!options.traffic_transcript.empty()) {
      link_ = std::make_unique<links::RecordingLink>(std::move(link_), options.traffic_transcript);
    }
    // Outside the recording, which so keeps what the device itself sent and got.
    if (options.chaos != nullptr) link_ = options.chaos->wrap(std::move(link_));
    device_.emplace(*link_);
    banner_ = device_->sync(kSync);
  } catch (...) {
    if (output_fd >= 0) ::close(output_fd);
    stop(0ms);
    throw;
  }
}

void QemuInstance::set_server(const std::string& address, uint16_t port) {
  // The previous handshakes' helpers have exited by now; don't let them
  // pile up as zombies while this boot serves one handshake after another.
  reap_helpers(false);
  // Written aside and renamed over, so a helper starting meanwhile reads the
  // old server or the new one, never half of one.
  const auto next = work_dir_ / (std::string(kServerFile) + ".next");
  {
    std::ofstream out(next, std::ios::trunc);
    out << address << " " << port << "\n";
    if (!out.flush()) throw std::runtime_error("cannot write " + next.string());
  }
  std::error_code ec;
  std::filesystem::rename(next, work_dir_ / kServerFile, ec);
  if (ec) throw std::runtime_error("cannot update the guestfwd's server: " + ec.message());
}

void QemuInstance::set_link(bool up) {
  monitor_command(fmt::format(R"({{"execute": "set_link", "arguments": {{"name": "{}", "up": {}}}}})", kNetdev,
                              up ? "true" : "false"));
}

void QemuInstance::monitor_command(const std::string& command) {
  if (!monitor_) throw std::runtime_error("this QEMU has no monitor (QemuOptions::link_down_at_boot)");
  const std::string line = command + "\n";
  if (!monitor_->write({reinterpret_cast<const uint8_t*>(line.data()), line.size()}, kMonitorReply)) {
    throw std::runtime_error("QEMU's monitor did not take " + command);
  }
  // QMP answers each command with one line holding "return" or "error";
  // lines holding "event" (RESUME, ...) may come first.
  const auto deadline = Clock::now() + kMonitorReply;
  std::array<uint8_t, 512> buffer{};
  for (;;) {
    for (size_t end = monitor_said_.find('\n'); end != std::string::npos; end = monitor_said_.find('\n')) {
      const std::string reply = monitor_said_.substr(0, end);
      monitor_said_.erase(0, end + 1);
      if (reply.find("\"return\"") != std::string::npos) return;
      if (reply.find("\"error\"") != std::string::npos) {
        throw std::runtime_error("QEMU's monitor refused " + command + ": " + reply);
      }
    }
    if (Clock::now() >= deadline) throw std::runtime_error("QEMU's monitor did not answer " + command);
    const auto read = monitor_->read(buffer, 50ms);
    if (read.status == links::LinkRead::Status::kClosed) throw std::runtime_error("QEMU's monitor hung up");
    monitor_said_.append(reinterpret_cast<const char*>(buffer.data()), read.bytes);
  }
}

QemuInstance::~QemuInstance() {
  stop(0ms);
}

InstanceExit QemuInstance::stop(std::chrono::milliseconds timeout) {
  const InstanceExit stopped{.kind = ExitKind::kStopped};
  if (stopped_) return stopped;
  stopped_ = true;
  device_.reset();
  link_.reset();
  monitor_.reset();
  InstanceExit how = stopped;
  if (child_) {
    if (child_->running()) {
      child_->send_signal(SIGTERM);
      // QEMU ends on SIGTERM with status 0. Anything else means it ended on
      // its own just before (its death may reach us as a closed UART before
      // it can be reaped), or that it would not stop.
      const InstanceExit exit = InstanceExit::from_child(child_->finish(timeout));
      const bool on_sigterm = exit.kind == ExitKind::kSignalled && exit.number == SIGTERM;
      if (exit.kind != ExitKind::kCleanExit && !on_sigterm) how = with_firmware_meaning(exit);
    } else {
      how = with_firmware_meaning(InstanceExit::from_child(child_->finish(0ms)));
    }
  }
  reap_helpers(true);
  std::error_code ec;
  std::filesystem::remove_all(work_dir_, ec);
  return how;
}

void QemuInstance::reap_helpers(bool wait) {
  std::vector<pid_t> pids;
  {
    std::ifstream in(work_dir_ / kPidFile);
    for (pid_t pid = 0; in >> pid;) {
      if (pid > 1 && !reaped_.contains(pid)) pids.push_back(pid);
    }
  }
  // A helper exits by itself once either side closes; kill what lingers.
  // Only our (orphaned) children can be reaped here, so a pid reused by an
  // unrelated process is never waited for, and is killed only if it is ours.
  // A pid once reaped is never waited for again: it may be another part of
  // the host's child by now.
  const auto deadline = Clock::now() + kHelperExit;
  for (pid_t pid : pids) {
    int status = 0;
    for (;;) {
      const pid_t r = ::waitpid(pid, &status, WNOHANG);
      if (r != 0) {
        reaped_.insert(pid);
        break;
      }
      if (!wait) break;
      if (Clock::now() >= deadline) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        reaped_.insert(pid);
        break;
      }
      std::this_thread::sleep_for(5ms);
    }
  }
}

}  // namespace shakedown::targets

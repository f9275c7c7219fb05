#include "qemu_instance.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

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
  std::string pattern = (parent.empty() ? std::filesystem::temp_directory_path() / "shakedown-qemu-XXXXXX"
                                        : parent / "qemu-XXXXXX")
                            .string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a temporary folder in " + pattern);
  return pattern;
}

// QEMU runs in its work folder, and the files there are named relative to
// it: the folder may be under the user's --out, whose path QEMU's option
// parser (commas) or slirp's shell (spaces) would split.
constexpr const char* kPortFile = "server-port";
constexpr const char* kPidFile = "relay-pids";
constexpr const char* kOutputPipe = "device-out";

std::vector<std::string> command(const QemuOptions& o, uint16_t uart_port, bool output_pipe) {
  // Each guest connection runs this; it records its pid, so it can be found
  // after QEMU is gone.
  const std::string relay = fmt::format("{} {} {}", o.relay.string(), kPortFile, kPidFile);
  return {o.qemu.string(),
          "-M",
          "mps2-an386",
          "-nographic",
          "-monitor",
          "none",
          "-kernel",
          std::filesystem::absolute(o.image).string(),
          "-semihosting-config",
          output_pipe ? fmt::format("enable=on,target=native,arg=firmware,arg=--device-out={}", kOutputPipe)
                      : "enable=on,target=native",
          "-chardev",
          fmt::format("socket,id=uart0,host=127.0.0.1,port={},server=off", uart_port),
          "-serial",
          "chardev:uart0",
          "-nic",
          fmt::format("user,model=lan9118,restrict=on,guestfwd=tcp:{}:{}-cmd:{}", kGuestServerAddress, kGuestServerPort,
                      relay)};
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
    set_server_port(options.server_port);
    // The agent's output pipe, open before QEMU starts so nothing the guest
    // writes is lost; O_RDWR so it never reads as closed meanwhile.
    if (options.output_pipe) {
      const std::filesystem::path output_pipe = work_dir_ / kOutputPipe;
      if (::mkfifo(output_pipe.c_str(), 0600) != 0 ||
          (output_fd = ::open(output_pipe.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0) {
        throw std::runtime_error("cannot make the output pipe " + output_pipe.string() + ": " + std::strerror(errno));
      }
    }
    child_.emplace(command(options, listener->port(), options.output_pipe), work_dir_);
    auto link = listener->accept(options.boot_timeout, [this] { return !child_->running(); });
    if (!link) {
      throw std::runtime_error(child_->running() ? "UART0 did not attach: " + link.error().message
                                                 : "QEMU ended before UART0 attached");
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

void QemuInstance::set_server_port(uint16_t port) {
  // The previous handshakes' helpers have exited by now; don't let them
  // pile up as zombies while this boot serves one handshake after another.
  reap_helpers(false);
  // Written aside and renamed over, so a helper starting meanwhile reads the
  // old port or the new one, never half a number.
  const auto next = work_dir_ / (std::string(kPortFile) + ".next");
  {
    std::ofstream out(next, std::ios::trunc);
    out << port << "\n";
    if (!out.flush()) throw std::runtime_error("cannot write " + next.string());
  }
  std::error_code ec;
  std::filesystem::rename(next, work_dir_ / kPortFile, ec);
  if (ec) throw std::runtime_error("cannot update the guestfwd's port: " + ec.message());
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

#include "exported_pty.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace shakedown::links::testing {
namespace {

using Clock = std::chrono::steady_clock;

int ms_until(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 60'000));
}

// The inodes of the sockets among process `pid`'s descriptors.
std::set<std::string> socket_inodes(int pid) {
  std::set<std::string> inodes;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(fmt::format("/proc/{}/fd", pid), error)) {
    const std::string target = std::filesystem::read_symlink(entry.path(), error).string();
    if (!error && target.starts_with("socket:[")) inodes.insert(target.substr(8, target.size() - 9));
  }
  return inodes;
}

// The port of the listening TCP socket among `inodes`, or 0. Each line of
// /proc/net/tcp{,6} reads: slot, local address:port (hex), remote, state
// (0A: listening), queues, timer, retransmits, uid, timeout, inode.
uint16_t listening_port(const std::set<std::string>& inodes) {
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
      if (state == "0A" && inodes.count(inode) != 0) {
        return static_cast<uint16_t>(std::stoul(local.substr(local.find(':') + 1), nullptr, 16));
      }
    }
  }
  return 0;
}

}  // namespace

ExportedPty::ExportedPty(const std::string& accepter, const std::string& line, std::chrono::milliseconds timeout)
    : dir_({}, "ser2net") {
  if (::openpty(&master_, &slave_, nullptr, nullptr, nullptr) != 0) {
    throw std::runtime_error(std::string("openpty: ") + std::strerror(errno));
  }
  try {
    ::fcntl(master_, F_SETFD, FD_CLOEXEC);
    ::fcntl(slave_, F_SETFD, FD_CLOEXEC);
    ::fcntl(master_, F_SETFL, O_NONBLOCK);
    // Raw from the start: a pty echoes and translates until ser2net opens it.
    termios raw{};
    ::tcgetattr(slave_, &raw);
    ::cfmakeraw(&raw);
    ::tcsetattr(slave_, TCSANOW, &raw);
    char slave_path[64] = {};
    if (::ptsname_r(master_, slave_path, sizeof slave_path) != 0) throw std::runtime_error("ptsname_r failed");

    const auto config = dir_.path() / "ser2net.yaml";
    std::ofstream(config) << fmt::format(
        "%YAML 1.1\n---\nconnection: &board\n  accepter: {},127.0.0.1,0\n  connector: serialdev,{},{},local\n",
        accepter, slave_path, line);
    // -n: stay in the foreground; -u: no UUCP lock file in /var/lock.
    ser2net_ = std::make_unique<process::Child>(std::vector<std::string>{
        "/usr/sbin/ser2net", "-n", "-u", "-c", config.string(), "-P", (dir_.path() / "ser2net.pid").string()});

    const auto deadline = Clock::now() + timeout;
    while ((port_ = listening_port(socket_inodes(ser2net_->pid()))) == 0) {
      if (!ser2net_->running()) throw std::runtime_error("ser2net exited: " + ser2net_->stderr_text());
      if (Clock::now() >= deadline) {
        throw std::runtime_error(
            fmt::format("ser2net not listening after {} ms: {}", timeout.count(), ser2net_->stderr_text()));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  } catch (...) {
    ::close(master_);
    ::close(slave_);
    throw;
  }
}

ExportedPty::~ExportedPty() {
  ser2net_.reset();
  ::close(master_);
  ::close(slave_);
}

bool ExportedPty::board_write(std::span<const uint8_t> bytes, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!bytes.empty()) {
    const ssize_t put = ::write(master_, bytes.data(), bytes.size());
    if (put > 0) {
      bytes = bytes.subspan(static_cast<size_t>(put));
      continue;
    }
    if (put < 0 && errno != EAGAIN && errno != EINTR) return false;
    pollfd p{master_, POLLOUT, 0};
    if (Clock::now() >= deadline || ::poll(&p, 1, ms_until(deadline)) < 0) return false;
  }
  return true;
}

std::vector<uint8_t> ExportedPty::board_read(size_t count, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::vector<uint8_t> got;
  while (got.size() < count) {
    pollfd p{master_, POLLIN, 0};
    if (::poll(&p, 1, ms_until(deadline)) <= 0) break;
    uint8_t buffer[4096];
    const ssize_t n = ::read(master_, buffer, std::min(sizeof buffer, count - got.size()));
    if (n > 0) got.insert(got.end(), buffer, buffer + n);
    if (n < 0 && errno != EAGAIN && errno != EINTR) break;
  }
  return got;
}

termios ExportedPty::line_settings() const {
  termios settings{};
  ::tcgetattr(slave_, &settings);
  return settings;
}

void ExportedPty::kill_ser2net() {
  ser2net_->send_signal(SIGKILL);
  ser2net_->finish(std::chrono::seconds(5));
}

}  // namespace shakedown::links::testing

#include "fd_console.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace shakedown::sim {

core::IoResult FdConsole::read(std::span<uint8_t> out, uint32_t timeout_ms) {
  pollfd p{read_fd_, POLLIN, 0};
  int n = ::poll(&p, 1, static_cast<int>(timeout_ms > 0x7fffffffu ? 0x7fffffffu : timeout_ms));
  if (n == 0 || (n < 0 && errno == EINTR)) return core::IoResult::failed(core::IoStatus::kTimedOut);
  if (n < 0) return core::IoResult::failed(core::IoStatus::kClosed);
  ssize_t got = ::read(read_fd_, out.data(), out.size());
  if (got > 0) return core::IoResult::moved(static_cast<size_t>(got));
  if (got < 0 && (errno == EINTR || errno == EAGAIN)) return core::IoResult::failed(core::IoStatus::kTimedOut);
  return core::IoResult::failed(core::IoStatus::kClosed);
}

bool FdConsole::write(std::span<const uint8_t> data) {
  while (!data.empty()) {
    // send() on a socket avoids SIGPIPE; a pipe falls back to write().
    ssize_t n = ::send(write_fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == ENOTSOCK) n = ::write(write_fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data = data.subspan(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace shakedown::sim

#include "posix_transport.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cerrno>
#include <string>

namespace shakedown::sim {
namespace {

using core::IoResult;
using core::IoStatus;

// The one place errno becomes an IoStatus (as Mbed TLS's net_sockets.c does).
IoStatus status_from_errno(int err) {
  switch (err) {
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
    case EINTR: return IoStatus::kWouldBlock;
    case ECONNRESET:
    case EPIPE: return IoStatus::kReset;
    case ECONNREFUSED: return IoStatus::kRefused;
    case ETIMEDOUT: return IoStatus::kTimedOut;
    default: return IoStatus::kFailed;
  }
}

int clamp_timeout(uint32_t timeout_ms) {
  return timeout_ms > 0x7fffffffu ? 0x7fffffff : static_cast<int>(timeout_ms);
}

// Waits for `events` on fd; kOk when ready.
IoStatus wait_for(int fd, short events, uint32_t timeout_ms) {
  pollfd p{fd, events, 0};
  for (;;) {
    int n = ::poll(&p, 1, clamp_timeout(timeout_ms));
    if (n > 0) return IoStatus::kOk;
    if (n == 0) return IoStatus::kTimedOut;
    if (errno != EINTR) return status_from_errno(errno);
  }
}

}  // namespace

IoStatus PosixTransport::connect(std::string_view host, uint16_t port, uint32_t timeout_ms) {
  close();
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  const std::string host_text(host);
  if (::inet_pton(AF_INET, host_text.c_str(), &addr.sin_addr) != 1) return IoStatus::kNotAllowed;
  if ((ntohl(addr.sin_addr.s_addr) >> 24) != 127) return IoStatus::kNotAllowed;  // loopback only

  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) return status_from_errno(errno);
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS) {
      IoStatus s = status_from_errno(errno);
      close();
      return s;
    }
    IoStatus ready = wait_for(fd_, POLLOUT, timeout_ms);
    int err = 0;
    socklen_t len = sizeof err;
    if (ready == IoStatus::kOk) ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (ready != IoStatus::kOk || err != 0) {
      close();
      return ready != IoStatus::kOk ? ready : status_from_errno(err);
    }
  }
  return IoStatus::kOk;
}

IoResult PosixTransport::send(std::span<const uint8_t> data) {
  if (fd_ < 0) return IoResult::failed(IoStatus::kFailed);
  for (;;) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) return IoResult::moved(static_cast<size_t>(n));
    if (n < 0 && errno == EINTR) continue;
    IoStatus s = n == 0 ? IoStatus::kFailed : status_from_errno(errno);
    // A full socket buffer: wait, bounded, rather than spin.
    if (s == IoStatus::kWouldBlock) {
      IoStatus ready = wait_for(fd_, POLLOUT, 10'000);
      if (ready != IoStatus::kOk) return IoResult::failed(ready);
      continue;
    }
    return IoResult::failed(s);
  }
}

IoResult PosixTransport::receive(std::span<uint8_t> out, uint32_t timeout_ms) {
  if (fd_ < 0) return IoResult::failed(IoStatus::kFailed);
  IoStatus ready = wait_for(fd_, POLLIN, timeout_ms);
  if (ready != IoStatus::kOk) return IoResult::failed(ready);
  for (;;) {
    ssize_t n = ::recv(fd_, out.data(), out.size(), 0);
    if (n > 0) return IoResult::moved(static_cast<size_t>(n));
    if (n == 0) return IoResult::failed(IoStatus::kClosed);
    if (errno != EINTR) return IoResult::failed(status_from_errno(errno));
  }
}

void PosixTransport::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

}  // namespace shakedown::sim

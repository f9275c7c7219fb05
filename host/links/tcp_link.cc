#include "tcp_link.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>

#include "host_lookup.h"

namespace shakedown::links {
namespace {

int poll_ms(std::chrono::milliseconds timeout) {
  auto ms = timeout.count();
  return ms < 0 ? 0 : ms > 0x7fffffff ? 0x7fffffff : static_cast<int>(ms);
}

// A connected non-blocking socket to `address` by `deadline`, or -1 with
// `why` set to the errno that says why not.
int connect_within(const addrinfo& address, std::chrono::steady_clock::time_point deadline, int& why) {
  int fd = ::socket(address.ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    why = errno;
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  int rc = ::connect(fd, address.ai_addr, address.ai_addrlen);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    if (::poll(&p, 1, poll_ms(time_left(deadline))) == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0) {
      rc = err == 0 ? 0 : -1;
      errno = err;
    } else {
      errno = ETIMEDOUT;
    }
  }
  if (rc != 0) {
    why = errno;
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

Result<TcpLink> TcpLink::connect(const std::string& host, uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string peer = host_and_port(host, port);
  auto addresses = look_up_host(host, port, timeout);
  if (!addresses) return addresses.error();
  int why = ETIMEDOUT;
  for (const addrinfo* address = addresses->get(); address != nullptr; address = address->ai_next) {
    int fd = connect_within(*address, deadline, why);
    if (fd >= 0) return TcpLink(fd, peer);
  }
  return infrastructure_error(fmt::format("connect to {}: {}", peer, std::strerror(why)));
}

Result<TcpLink> TcpLink::connect(uint16_t port, std::chrono::milliseconds timeout) {
  return connect("127.0.0.1", port, timeout);
}

TcpLink::TcpLink(TcpLink&& other) noexcept : fd_(other.fd_), peer_(std::move(other.peer_)) {
  other.fd_ = -1;
}

TcpLink::~TcpLink() {
  if (fd_ >= 0) ::close(fd_);
}

LinkRead TcpLink::read(std::span<uint8_t> out, std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  int n = ::poll(&p, 1, poll_ms(timeout));
  if (n == 0 || (n < 0 && errno == EINTR)) return {LinkRead::Status::kTimedOut, 0};
  if (n < 0) return {LinkRead::Status::kClosed, 0};
  ssize_t got = ::recv(fd_, out.data(), out.size(), 0);
  // ACK at once, every time (Linux drops quick-ACK mode on its own): a
  // device behind a byte-wide UART model (QEMU's chardev, when the image
  // writes its output there) sends a frame a byte at a time with Nagle on,
  // so the rest of each reply would wait 40 ms for a delayed ACK of its first byte.
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
  if (got > 0) return {LinkRead::Status::kData, static_cast<size_t>(got)};
  if (got < 0 && (errno == EAGAIN || errno == EINTR)) return {LinkRead::Status::kTimedOut, 0};
  return {LinkRead::Status::kClosed, 0};
}

bool TcpLink::write(std::span<const uint8_t> data, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data = data.subspan(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    const auto left = time_left(deadline);
    pollfd p{fd_, POLLOUT, 0};
    if (left.count() <= 0 || ::poll(&p, 1, poll_ms(left)) != 1) return false;
  }
  return true;
}

std::string TcpLink::describe() const {
  return "tcp " + peer_;
}

Result<TcpListener> TcpListener::open() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 1) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    Error error = infrastructure_error(std::string("listen on 127.0.0.1: ") + std::strerror(errno));
    if (fd >= 0) ::close(fd);
    return error;
  }
  return TcpListener(fd, ntohs(addr.sin_port));
}

TcpListener::TcpListener(TcpListener&& other) noexcept : fd_(other.fd_), port_(other.port_) {
  other.fd_ = -1;
}

TcpListener::~TcpListener() {
  if (fd_ >= 0) ::close(fd_);
}

Result<TcpLink> TcpListener::accept(std::chrono::milliseconds timeout, const std::function<bool()>& give_up) {
  using Clock = std::chrono::steady_clock;
  constexpr std::chrono::milliseconds kRecheck{20};
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    const auto left = time_left(deadline);
    if (left.count() <= 0) {
      return infrastructure_error(
          fmt::format("nothing connected to 127.0.0.1:{} within {} ms", port_, timeout.count()));
    }
    if (::poll(&p, 1, poll_ms(std::min(left, kRecheck))) == 1) {
      int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd >= 0) {
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        return TcpLink(fd, fmt::format("127.0.0.1:{}", port_));
      }
      if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
        return infrastructure_error(std::string("accept: ") + std::strerror(errno));
      }
    }
    if (give_up && give_up()) {
      return infrastructure_error(fmt::format("gave up waiting for a connection to 127.0.0.1:{}", port_));
    }
  }
}

}  // namespace shakedown::links

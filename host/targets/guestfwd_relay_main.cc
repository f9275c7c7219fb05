// shakedown-guestfwd-relay: QEMU's guestfwd cmd: helper for the qemu target.
// slirp runs one per guest connection with the guest's stream on stdin and
// stdout (a loopback TCP socket), and this relays it to the server the host
// names: the cell's test server on 127.0.0.1, or the one `shakedown connect`
// was given. Unlike a generic relay (socat), it mirrors how the server
// ended the connection: a reset becomes a reset towards slirp, which resets
// the guest's connection, so the firmware sees MBEDTLS_ERR_NET_CONN_RESET
// where the simulator does.
//
//   shakedown-guestfwd-relay SERVER_FILE PID_FILE
//
// It appends its pid to PID_FILE first, so the host can find and reap it
// after QEMU is gone (slirp starts it in a session of its own). It then
// reads "IPV4-ADDRESS PORT" from SERVER_FILE, which the host rewrites
// (atomically, by rename) before each handshake: one QEMU boot serves
// server after server. Its connect gives up after kConnectTimeoutMs. It ends by
// itself once both sides have closed, as they do when QEMU and shakedown die.
// (No PR_SET_PDEATHSIG: glib double-forks it, so its parent at startup is a
// process about to exit, and the signal would kill it mid-connection.)

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

namespace {

constexpr int kGuest = STDIN_FILENO;    // stdin and stdout are the same socket
constexpr int kIdleTimeoutMs = 60'000;  // nothing moves for this long: give up
constexpr int kConnectTimeoutMs = 10'000;

// Ends `fd`'s connection with a reset instead of a FIN, where possible.
void reset(int fd) {
  linger hard{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  ::close(fd);
}

// Connected to `server` within kConnectTimeoutMs (a remote address that
// drops the SYN would otherwise hold it for minutes), blocking again after.
int connect_server(const sockaddr_in& server) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  int error = 0;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&server), sizeof server) != 0) {
    pollfd p{fd, POLLOUT, 0};
    socklen_t size = sizeof error;
    if (errno != EINPROGRESS || ::poll(&p, 1, kConnectTimeoutMs) != 1 ||
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0) {
      error = -1;
    }
  }
  if (error != 0 || ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Moves what is readable on `from` to `to`. Returns 0 while open, 1 on an
// orderly end of `from`, -1 on a reset (or error) of either side, with
// `reset_from` saying whether `from` was the one reset.
int pump(int from, int to, bool& reset_from) {
  char buf[16 * 1024];
  ssize_t n = ::recv(from, buf, sizeof buf, 0);
  if (n == 0) return 1;
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN) return 0;
    reset_from = true;
    return -1;
  }
  for (ssize_t done = 0; done < n;) {
    ssize_t w = ::send(to, buf + done, static_cast<size_t>(n - done), MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      reset_from = false;
      return -1;
    }
    done += w;
  }
  return 0;
}

// The server `path` names ("127.0.0.1 41234"); false if it names none.
bool read_server(const char* path, sockaddr_in& server) {
  std::ifstream in(path);
  std::string address;
  long port = 0;
  if (!(in >> address >> port) || port <= 0 || port > 65535) return false;
  server = {};
  server.sin_family = AF_INET;
  server.sin_port = htons(static_cast<uint16_t>(port));
  return ::inet_pton(AF_INET, address.c_str(), &server.sin_addr) == 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: shakedown-guestfwd-relay SERVER_FILE PID_FILE\n");
    return 2;
  }
  if (FILE* f = std::fopen(argv[2], "a")) {
    std::fprintf(f, "%d\n", static_cast<int>(::getpid()));
    std::fclose(f);
  }
  sockaddr_in where{};
  const int server = read_server(argv[1], where) ? connect_server(where) : -1;
  if (server < 0) {
    // Nobody listens: the guest sees its connection reset, as a refused one.
    reset(kGuest);
    return 1;
  }
  pollfd fds[2] = {{kGuest, POLLIN, 0}, {server, POLLIN, 0}};
  bool guest_open = true, server_open = true;
  while (guest_open || server_open) {
    fds[0].fd = guest_open ? kGuest : -1;
    fds[1].fd = server_open ? server : -1;
    int ready = ::poll(fds, 2, kIdleTimeoutMs);
    if (ready == 0) break;
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int side = 0; side < 2; ++side) {
      if (fds[side].revents == 0) continue;
      const int from = side == 0 ? kGuest : server, to = side == 0 ? server : kGuest;
      bool reset_from = false;
      int r = pump(from, to, reset_from);
      if (r == 1) {  // orderly end: pass the FIN on
        ::shutdown(to, SHUT_WR);
        (side == 0 ? guest_open : server_open) = false;
      } else if (r < 0) {
        // A reset on one side resets the other: that is what the server
        // did, and what the guest must see.
        reset(reset_from ? to : from);
        ::close(reset_from ? from : to);
        return 0;
      }
    }
  }
  ::close(server);
  return 0;
}

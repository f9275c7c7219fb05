// One simulator build: the agent and the client core over one (Mbed TLS
// line, profile), with POSIX backends of the seams. The device protocol is
// its only interface. Reached through `shakedown-sim`.
//
//   <build> [--listen 127.0.0.1:0]   serve one host on a loopback socket;
//                                     prints "listening on 127.0.0.1:PORT"
//   <build> --stdio                   serve the host on stdin/stdout
//   <build> --version                 print the banner's fields, then one
//                                     "ciphersuite <id> <Mbed TLS name>" line
//                                     per suite of the build, in its order
//
// Exit status: 0 when the host hung up, 2 for bad arguments or when no host
// came within --accept-timeout-ms.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <mbedtls/ssl.h>
#include <CLI/CLI.hpp>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "fd_console.h"
#include "getrandom_entropy.h"
#include "posix_clock.h"
#include "posix_transport.h"
#include "shakedown/agent/agent.h"
#include "shakedown/core/build_facts.h"

namespace {

using namespace shakedown;

constexpr int kUsageError = 2;
constexpr uint32_t kPollMs = 1'000;

// The simulator's storage, as a port's would be: fixed, sized for desktop-
// class scenarios (RSA-8192 chains, 16 KB records both ways).
std::array<uint8_t, 1024 * 1024> heap_arena;
std::array<uint8_t, 64 * 1024> ca_storage;
std::array<uint8_t, 16 * 1024> cert_storage;
std::array<uint8_t, 16 * 1024> key_storage;

constexpr agent::AgentIdentity kIdentity{"sim", SHAKEDOWN_BUILD_ID, "getrandom"};

void serve(int read_fd, int write_fd) {
  sim::FdConsole console(read_fd, write_fd);
  sim::PosixTransport transport;
  sim::PosixClock clock;
  sim::GetrandomEntropy entropy;
  core::Heap heap(heap_arena);
  agent::Agent agent(console, transport, clock, entropy, heap, kIdentity, {ca_storage, cert_storage, key_storage});
  agent.announce();
  while (agent.poll(kPollMs)) {
  }
}

int listen_and_serve(const std::string& where, uint32_t accept_timeout_ms) {
  auto colon = where.rfind(':');
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  int port = -1;
  try {
    port = colon == std::string::npos ? -1 : std::stoi(where.substr(colon + 1));
  } catch (const std::exception&) {
  }
  if (port < 0 || port > 65535 || ::inet_pton(AF_INET, where.substr(0, colon).c_str(), &addr.sin_addr) != 1 ||
      (ntohl(addr.sin_addr.s_addr) >> 24) != 127) {
    fmt::print(stderr, "shakedown-sim: --listen: expected 127.x.x.x:PORT, got '{}'\n", where);
    return kUsageError;
  }
  addr.sin_port = htons(static_cast<uint16_t>(port));
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  socklen_t len = sizeof addr;
  if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener, 1) != 0 || ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    fmt::print(stderr, "shakedown-sim: cannot listen on {}: {}\n", where, std::strerror(errno));
    return kUsageError;
  }
  fmt::print("listening on 127.0.0.1:{}\n", ntohs(addr.sin_port));
  std::fflush(stdout);
  pollfd p{listener, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(accept_timeout_ms)) != 1) {
    fmt::print(stderr, "shakedown-sim: no host connected within {} ms\n", accept_timeout_ms);
    return kUsageError;
  }
  int host = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  ::close(listener);
  if (host < 0) return kUsageError;
  // Replies go out as several small frames (log lines, certificates, the
  // report); with Nagle on, each waits ~40 ms for the host's delayed ACK.
  int one = 1;
  ::setsockopt(host, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  serve(host, host);
  ::close(host);
  return 0;
}

void print_version() {
  const core::BuildFacts& f = core::build_facts();
  fmt::print(
      "shakedown-sim\nprotocol {}\ntarget {}\nbuild {}\nmbedtls {} (line {})\nprofile {}\nconfig-hash {}\n"
      "entropy {}\nheap {} bytes\n",
      protocol::kProtocolVersion, kIdentity.target, kIdentity.build_id, f.mbedtls_version, f.mbedtls_line, f.profile,
      f.profile_hash, kIdentity.entropy, heap_arena.size());
  for (int id : f.ciphersuites) fmt::print("ciphersuite {:04x} {}\n", id, mbedtls_ssl_get_ciphersuite_name(id));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"shakedown simulator build (Mbed TLS " SHAKEDOWN_MBEDTLS_LINE ", profile " SHAKEDOWN_PROFILE_NAME ")"};
  std::string listen = "127.0.0.1:0";
  uint32_t accept_timeout_ms = 30'000;
  bool stdio = false, version = false;
  app.add_option("--listen", listen, "Serve one host on this loopback address")->capture_default_str();
  app.add_flag("--stdio", stdio, "Serve the host on stdin and stdout");
  app.add_flag("--version", version, "Print the banner's fields");
  app.add_option("--accept-timeout-ms", accept_timeout_ms, "Give up when no host connects in this time")
      ->check(CLI::Range(1u, 3'600'000u))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kUsageError;
  }
  ::signal(SIGPIPE, SIG_IGN);
  if (version) {
    print_version();
    return 0;
  }
  if (stdio) {
    serve(STDIN_FILENO, STDOUT_FILENO);
    return 0;
  }
  return listen_and_serve(listen, accept_timeout_ms);
}

#include "bench_file.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <thread>

#include "bench_relay.h"

using namespace shakedown::targets;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

std::filesystem::path write_bench(const std::string& text) {
  static int n = 0;
  const auto path = std::filesystem::temp_directory_path() /
                    ("shakedown-bench-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + ".yaml");
  std::ofstream(path) << text;
  return path;
}

std::string load_error(const std::string& text) {
  const auto path = write_bench(text);
  try {
    load_bench_file(path);
  } catch (const BenchFileError& e) {
    std::filesystem::remove(path);
    return e.what();
  }
  std::filesystem::remove(path);
  return "";
}

// A TCP connection from `source` (a 127/8 address) to 127.0.0.1:port; -1 if
// it could not connect.
int connect_from(const char* source, uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &from.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) return ::close(fd), -1;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) return ::close(fd), -1;
  timeval bound{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
  return fd;
}

}  // namespace

TEST_CASE("a bench file names each board, its serial number and both ends of its network") {
  const auto bench = load_bench_file(SHAKEDOWN_TEST_DATA_DIR "/bench/two-boards.yaml");
  REQUIRE(bench.boards.size() == 2);
  CHECK(bench.flash_tool == "st-flash");
  CHECK(bench.boards[0].serial == "066DFF495150897267173233");
  CHECK(bench.boards[0].host_address == "192.168.7.1");  // the top-level one
  CHECK(bench.boards[1].host_address == "192.168.8.1");  // its own
}

TEST_CASE("a bench file with a mistake says which file, line and field") {
  CHECK_THAT(load_error("host_address: 192.168.7.1\nboards:\n  - name: a\n    serial: X\n    adress: 192.168.7.2\n"),
             Contains(".yaml:5: boards[0].adress: unknown field"));
  CHECK_THAT(load_error("host_address: 192.168.7.1\nboards:\n  - name: a\n    serial: X\n    address: 192.168.7\n"),
             Contains(".yaml:5: boards[0].address: '192.168.7' is not an IPv4 address"));
  CHECK_THAT(load_error("boards:\n  - name: a\n    serial: X\n    address: 192.168.7.2\n"),
             Contains(".yaml:2: boards[0].host_address: missing"));
  CHECK_THAT(load_error("host_address: 8.8.8.8\nboards:\n  - {name: a, serial: X, address: 192.168.7.2}\n"),
             Contains(".yaml:1: boards[0].host_address: 8.8.8.8 is not a private"));
  CHECK_THAT(load_error("host_address: 10.0.0.1\nboards:\n  - {name: a, serial: X, address: 10.0.0.2}\n"
                        "  - {name: b, serial: X, address: 10.0.0.3}\n"),
             Contains(".yaml:4: boards[1].serial: another board has this serial"));
  CHECK_THAT(load_error("host_address: 10.0.0.1\nflash_tool: jlink\nboards: []\n"),
             Contains(".yaml:2: flash_tool: 'jlink'"));
  CHECK_THAT(load_error("boards: [\n"), Contains("not valid YAML"));
  CHECK_THAT(load_error(""), Contains(":1: expected a mapping"));
  CHECK_THAT(load_error("[boards]: []\n"), Contains(".yaml:1: key: a key must be a name, not a list or mapping"));
  CHECK_THAT(load_error("host_address: 10.0.0.1\nboards:\n  - {name: a, serial: X, address: 10.0.0.2, [x]: 1}\n"),
             Contains(".yaml:3: boards[0]: a key must be a name, not a list or mapping"));
}

TEST_CASE("a board on another host: its port by URL, its probe by openocd's TCL port, its relay port fixed") {
  const auto bench = load_bench_file(SHAKEDOWN_TEST_DATA_DIR "/bench/remote-board.yaml");
  REQUIRE(bench.boards.size() == 3);
  const auto& local = bench.boards[0];
  CHECK_FALSE(local.remote_link());
  CHECK_FALSE(local.openocd);
  CHECK(local.relay_port == 0);
  const auto& c = bench.boards[1];
  CHECK(c.remote_link());
  CHECK(c.openocd == shakedown::net::HostPort{"bench-2.lab", 6666});
  CHECK(c.images == "/srv/shakedown/firmware");
  CHECK(c.relay_port == 47001);
  CHECK_FALSE(c.board_dials);
  const auto& d = bench.boards[2];
  CHECK(d.remote_link());
  CHECK(d.images.empty());
  // Behind a forward on its bench host: the relay may see this host's own address.
  CHECK(d.address == d.host_address);
  CHECK(d.board_dials == shakedown::net::HostPort{"10.20.1.1", 47002});
}

TEST_CASE("a remote board's mistakes are named by file, line and field") {
  const std::string head = "host_address: 10.0.0.1\nboards:\n  - name: a\n    address: 10.0.0.2\n";
  CHECK_THAT(load_error(head + "    serial: rfc2217://bench-2:3001\n"),
             Contains(".yaml:5: boards[0].openocd: missing: a board reached through a network serial port"));
  CHECK_THAT(load_error(head + "    serial: rfc2217://bench-2\n    openocd: bench-2:6666\n"),
             Contains(".yaml:5: boards[0].serial: "));
  CHECK_THAT(load_error(head + "    serial: X\n    openocd: bench-2\n"),
             Contains(".yaml:6: boards[0].openocd: 'bench-2': expected HOST:PORT"));
  CHECK_THAT(load_error(head + "    serial: X\n    openocd: bench-2:66666\n"),
             Contains(".yaml:6: boards[0].openocd: 'bench-2:66666': expected HOST:PORT, the port 1-65535"));
  CHECK_THAT(load_error(head + "    serial: X\n    relay_port: http\n"),
             Contains(".yaml:6: boards[0].relay_port: 'http' is not a port"));
  CHECK_THAT(load_error(head + "    serial: X\n    board_dials: bench-2:47001\n"),
             Contains(".yaml:6: boards[0].board_dials: 'bench-2' is not an IPv4 address"));
  CHECK_THAT(load_error(head + "    serial: X\n    images: /srv/fw\n"),
             Contains(".yaml:6: boards[0].images: names a folder on openocd's host: set openocd too"));
}

TEST_CASE("the bench relay listens on the bench file's fixed port, and says so when it is taken") {
  uint16_t port = 0;
  {
    const BenchRelay picked("127.0.0.1", "127.0.0.2");  // a port free a moment ago
    port = picked.port();
  }
  const BenchRelay fixed("127.0.0.1", "127.0.0.2", port);
  CHECK(fixed.port() == port);
  CHECK_THROWS_WITH(BenchRelay("127.0.0.1", "127.0.0.2", port),
                    Contains(fmt::format("cannot listen on 127.0.0.1:{}", port)) && Contains("port free"));
}

TEST_CASE("a bench file's text loads as its file does, its messages naming the path given") {
  std::ifstream in(SHAKEDOWN_TEST_DATA_DIR "/bench/two-boards.yaml");
  const std::string text{std::istreambuf_iterator<char>(in), {}};
  const auto bench = parse_bench_file(text, "lab/bench.yaml");
  CHECK(bench.boards.size() == 2);
  CHECK(bench.boards[1].host_address == "192.168.8.1");
  CHECK_THROWS_WITH(parse_bench_file("boards: []\n", "lab/bench.yaml"), StartsWith("lab/bench.yaml:1: boards:"));
}

TEST_CASE("only private, link-local and loopback addresses may carry a bench listener") {
  CHECK(is_bench_listen_address("192.168.7.1"));
  CHECK(is_bench_listen_address("10.1.2.3"));
  CHECK(is_bench_listen_address("172.31.0.1"));
  CHECK(is_bench_listen_address("169.254.10.1"));
  CHECK(is_bench_listen_address("127.0.0.1"));
  CHECK_FALSE(is_bench_listen_address("172.32.0.1"));
  CHECK_FALSE(is_bench_listen_address("0.0.0.0"));
  CHECK_FALSE(is_bench_listen_address("8.8.8.8"));
  CHECK_FALSE(is_bench_listen_address("fe80::1"));
  CHECK_THROWS_WITH(BenchRelay("0.0.0.0", "10.0.0.2"), Contains("private, link-local or loopback"));
}

TEST_CASE("the bench relay carries the board's connection to the current server and refuses everyone else") {
  // The "server": one connection, answers "pong" to anything, then resets.
  int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(server, 4) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(server, reinterpret_cast<sockaddr*>(&addr), &len);
  std::thread serve([server] {
    int c = ::accept(server, nullptr, nullptr);
    char buf[16];
    if (::read(c, buf, sizeof buf) > 0) (void)!::write(c, "pong", 4);
    linger hard{1, 0};
    ::setsockopt(c, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    ::close(c);
  });

  BenchRelay relay("127.0.0.1", "127.0.0.2");
  relay.set_server("127.0.0.1", ntohs(addr.sin_port));

  // Someone other than the board: reset before a byte moves.
  int stranger = connect_from("127.0.0.3", relay.port());
  REQUIRE(stranger >= 0);
  char buf[16];
  CHECK(::read(stranger, buf, sizeof buf) <= 0);
  ::close(stranger);

  int board = connect_from("127.0.0.2", relay.port());
  REQUIRE(board >= 0);
  REQUIRE(::write(board, "ping", 4) == 4);
  REQUIRE(::read(board, buf, sizeof buf) == 4);
  CHECK(std::string(buf, 4) == "pong");
  // The server's reset reaches the board as a reset.
  errno = 0;
  CHECK(::read(board, buf, sizeof buf) < 0);
  CHECK(errno == ECONNRESET);
  ::close(board);
  serve.join();
  ::close(server);
  CHECK(relay.refused() == 1);
}

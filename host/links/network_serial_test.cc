// network_serial's links against the real ser2net (testing/exported_pty.h):
// bytes both ways through rfc2217:// and tcp://, the line settings RFC 2217
// leaves on the port, a killed ser2net, and the URL forms.

#include "network_serial.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <random>

#include "exported_pty.h"
#include "tcp_link.h"

namespace {

using namespace shakedown;
using namespace std::chrono_literals;
using links::LinkRead;
using links::NetworkSerialAddress;
using links::testing::ExportedPty;
using Protocol = NetworkSerialAddress::Protocol;
using Clock = std::chrono::steady_clock;

struct Export {
  Protocol protocol;
  const char* accepter;
};
constexpr Export kRfc2217{Protocol::kRfc2217, "telnet(rfc2217),tcp"};
constexpr Export kRawTcp{Protocol::kRawTcp, "tcp"};

NetworkSerialAddress address_of(Protocol protocol, uint16_t port) {
  return {protocol, "127.0.0.1", port};
}

std::unique_ptr<links::Link> open_link(Protocol protocol, uint16_t port, int baud = 115200) {
  auto link = links::open_network_serial(address_of(protocol, port), baud, 5s);
  INFO((link ? std::string() : link.error().message));
  REQUIRE(link);
  return std::move(link).value();
}

// Reads from `link` until `count` bytes came, or 5 s passed.
std::vector<uint8_t> read_from(links::Link& link, size_t count) {
  const auto deadline = Clock::now() + 5s;
  std::vector<uint8_t> got;
  std::array<uint8_t, 1000> buffer{};
  while (got.size() < count && Clock::now() < deadline) {
    const LinkRead r = link.read(buffer, 100ms);
    if (r.status == LinkRead::Status::kClosed) break;
    got.insert(got.end(), buffer.begin(), buffer.begin() + static_cast<long>(r.bytes));
  }
  return got;
}

// Every byte value (telnet's IAC 0xFF, CR, LF and NUL among them, in the
// pairs telnet treats specially), then 4 KiB of seeded random bytes.
std::vector<uint8_t> every_byte_and_random() {
  std::vector<uint8_t> bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<uint8_t>(i));
  for (int b : {0xff, 0xff, 0x0d, 0x00, 0x0d, 0x0a, 0xff, 0xf0, 0xff, 0xfa}) bytes.push_back(static_cast<uint8_t>(b));
  std::mt19937 random(2217);
  for (int i = 0; i < 4096; ++i) bytes.push_back(static_cast<uint8_t>(random()));
  return bytes;
}

// A loopback port nothing listens on: bound by the kernel's choice, then let go.
uint16_t unused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST_CASE("every byte value crosses ser2net unchanged, both ways") {
  const Export exported = GENERATE(kRfc2217, kRawTcp);
  ExportedPty pty(exported.accepter, "115200n81", 5s);
  auto link = open_link(exported.protocol, pty.port());
  CAPTURE(link->describe(), pty.ser2net_stderr());
  const std::vector<uint8_t> bytes = every_byte_and_random();

  REQUIRE(link->write(bytes, 5s));
  CHECK(pty.board_read(bytes.size(), 5s) == bytes);

  REQUIRE(pty.board_write(bytes, 5s));
  CHECK(read_from(*link, bytes.size()) == bytes);
}

TEST_CASE("describe() is the URL") {
  ExportedPty pty(kRfc2217.accepter, "115200n81", 5s);
  CHECK(open_link(Protocol::kRfc2217, pty.port())->describe() == fmt::format("rfc2217://127.0.0.1:{}", pty.port()));
}

TEST_CASE("rfc2217:// sets the port to the baud rate asked for, 8N1, no flow control") {
  // ser2net opens the port at 9600 baud, 7 data bits, even parity, 2 stop
  // bits, RTS/CTS and XON/XOFF: only the negotiation makes it 115200 8N1 with
  // no flow control. (A pty keeps CS8 and no parity whatever it is told, so
  // only the server's answers, which the link checks, show those two.)
  ExportedPty pty(kRfc2217.accepter, "9600e72,rtscts,xonxoff", 5s);
  auto link = open_link(Protocol::kRfc2217, pty.port(), 115200);
  const termios line = pty.line_settings();
  CHECK(::cfgetospeed(&line) == B115200);
  CHECK(::cfgetispeed(&line) == B115200);
  CHECK((line.c_cflag & CSIZE) == CS8);
  CHECK((line.c_cflag & PARENB) == 0);
  CHECK((line.c_cflag & CSTOPB) == 0);
  CHECK((line.c_cflag & CRTSCTS) == 0);
  CHECK((line.c_iflag & (IXON | IXOFF)) == 0);
}

TEST_CASE("a killed ser2net reads as closed within the timeout, and writes fail from then on") {
  const Export exported = GENERATE(kRfc2217, kRawTcp);
  ExportedPty pty(exported.accepter, "115200n81", 5s);
  auto link = open_link(exported.protocol, pty.port());
  std::array<uint8_t, 64> buffer{};
  CHECK(link->read(buffer, 100ms).status == LinkRead::Status::kTimedOut);

  pty.kill_ser2net();
  const auto start = Clock::now();
  CHECK(link->read(buffer, 2s).status == LinkRead::Status::kClosed);
  CHECK(Clock::now() - start < 2s);
  const std::array<uint8_t, 3> bytes{1, 2, 3};
  CHECK_FALSE(link->write(bytes, 1s));
  CHECK_FALSE(link->write(bytes, 1s));
  CHECK(link->read(buffer, 100ms).status == LinkRead::Status::kClosed);
}

TEST_CASE("a port another client holds fails with what ser2net said") {
  ExportedPty pty(kRfc2217.accepter, "115200n81", 5s);
  auto first = open_link(Protocol::kRfc2217, pty.port());
  auto second = links::open_network_serial(address_of(Protocol::kRfc2217, pty.port()), 115200, 5s);
  REQUIRE_FALSE(second);
  CHECK(second.error().kind == ErrorKind::kInfrastructure);
  CHECK_THAT(second.error().message, Catch::Contains("Port already in use"));
}

TEST_CASE("a port nothing listens on fails within the timeout, naming the URL") {
  const Export exported = GENERATE(kRfc2217, kRawTcp);
  const auto address = address_of(exported.protocol, unused_port());
  const auto start = Clock::now();
  auto link = links::open_network_serial(address, 115200, 1s);
  CHECK(Clock::now() - start < 1500ms);
  REQUIRE_FALSE(link);
  CHECK(link.error().kind == ErrorKind::kInfrastructure);
  CHECK_THAT(link.error().message, Catch::StartsWith(links::network_serial_url(address) + ": connect"));
}

TEST_CASE("a server that never negotiates fails within the timeout, naming what it waits for") {
  auto listener = links::TcpListener::open();
  REQUIRE(listener);
  const auto start = Clock::now();
  auto link = links::open_network_serial(address_of(Protocol::kRfc2217, listener->port()), 115200, 300ms);
  CHECK(Clock::now() - start < 800ms);
  REQUIRE_FALSE(link);
  CHECK(link.error().kind == ErrorKind::kInfrastructure);
  CHECK_THAT(link.error().message, Catch::Contains("RFC 2217 negotiation: no WILL BINARY") &&
                                       Catch::Contains("DO COM-PORT-OPTION within 300 ms"));
}

TEST_CASE("network serial URLs") {
  SECTION("good forms, which read back as they were written") {
    const std::vector<std::pair<std::string, NetworkSerialAddress>> good = {
        {"rfc2217://127.0.0.1:40123", {Protocol::kRfc2217, "127.0.0.1", 40123}},
        {"tcp://127.0.0.1:1", {Protocol::kRawTcp, "127.0.0.1", 1}},
        {"tcp://bench-pi.lab_2:65535", {Protocol::kRawTcp, "bench-pi.lab_2", 65535}},
        {"rfc2217://[::1]:2000", {Protocol::kRfc2217, "::1", 2000}},
    };
    for (const auto& [text, expected] : good) {
      CAPTURE(text);
      const auto parsed = links::parse_network_serial(text);
      REQUIRE(parsed);
      CHECK(parsed->protocol == expected.protocol);
      CHECK(parsed->host == expected.host);
      CHECK(parsed->port == expected.port);
      CHECK(links::network_serial_url(*parsed) == text);
    }
  }
  SECTION("other names are not network serial URLs") {
    for (const char* text : {"/dev/ttyACM0", "ttyUSB0", "", "udp://127.0.0.1:2000", "rfc2217:/127.0.0.1:1"}) {
      CAPTURE(text);
      CHECK_FALSE(links::parse_network_serial(text));
    }
  }
  SECTION("bad forms say what is wrong") {
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"rfc2217://127.0.0.1", "no port"},
        {"tcp://127.0.0.1:", "no port"},
        {"tcp://", "no port"},
        {"tcp://:2000", "no host"},
        {"rfc2217://[]:2000", "no host"},
        {"tcp://127.0.0.1:0", "port 0 is out of range 1-65535"},
        {"tcp://127.0.0.1:65536", "out of range"},
        {"tcp://127.0.0.1:123456789012345678901234", "out of range"},
        {"tcp://127.0.0.1:ser2net", "port 'ser2net' is not a number"},
        {"tcp://127.0.0.1:2000/", "is not a number"},
        {"tcp://127.0.0.1:-1", "is not a number"},
        {"tcp://::1:2000", "in brackets"},
        {"tcp://[::1:2000", "no ']'"},
        {"tcp://[::1]2000", "no port"},
        {"tcp://[bench]:2000", "'bench' is not an IPv6 address"},
        {"tcp://pi@127.0.0.1:2000", "'@' cannot be in a host name"},
        {"tcp://bench pi:2000", "' ' cannot be in a host name"},
    };
    for (const auto& [text, why] : bad) {
      CAPTURE(text);
      CHECK_THROWS_WITH(links::parse_network_serial(text), Catch::Contains(text) && Catch::Contains(why));
    }
  }
}

}  // namespace

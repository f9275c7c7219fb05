#pragma once
// A Link to a serial port exported over the network by ser2net: a bench
// board on another host (or this one) whose UART ser2net serves on a port.
//   rfc2217://HOST:PORT  ser2net's telnet(rfc2217) accepter: the link sets
//                        the port's baud rate, 8N1 and no flow control over
//                        RFC 2217, and keeps telnet out of the data, so every
//                        byte value crosses unchanged both ways.
//   tcp://HOST:PORT      a plain tcp accepter: the bytes as they are, at the
//                        line settings ser2net's configuration gives.
// As with SerialLink: once the connection closes (ser2net killed, the host
// gone) reads say closed and every write fails; the owner reopens. A write
// that fails (closed or timed out) may have cut the stream mid-way, so every
// write after it fails too. Every call is bounded by its timeout.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "link.h"
#include "shakedown/errors/result.h"

namespace shakedown::links {

// "rfc2217://HOST:PORT" or "tcp://HOST:PORT" (HOST a name, an IPv4 address,
// or [IPv6]).
struct NetworkSerialAddress {
  enum class Protocol { kRfc2217, kRawTcp } protocol;
  std::string host;  // an IPv6 address without its brackets
  uint16_t port;     // 1..65535
};

// nullopt if `text` does not start with rfc2217:// or tcp://; otherwise the
// parsed address, or std::invalid_argument whose what() quotes `text` and
// says what is wrong (no port, port out of range, empty host...).
std::optional<NetworkSerialAddress> parse_network_serial(std::string_view text);

// The address as a URL, brackets around an IPv6 host: what describe() says.
std::string network_serial_url(const NetworkSerialAddress& address);

// Connects within `timeout`, looking the host up included; for rfc2217://,
// negotiates (RFC 2217) `baud`, 8N1 and no flow control and waits, within
// the same `timeout`, for the server to acknowledge each setting. For tcp://
// `baud` is not sent anywhere. An infrastructure error naming the URL and
// the failed step otherwise (a usage error if `baud` is not positive); never
// a null link.
Result<std::unique_ptr<Link>> open_network_serial(const NetworkSerialAddress& address, int baud,
                                                  std::chrono::milliseconds timeout);

}  // namespace shakedown::links

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>

#include "host_lookup.h"
#include "network_serial.h"

// The URL forms alone, apart from the link: the bench file's loader and its
// fuzz target read them without a socket.

namespace shakedown::links {
namespace {

using Protocol = NetworkSerialAddress::Protocol;

struct Scheme {
  std::string_view prefix;
  Protocol protocol;
};
constexpr Scheme kSchemes[] = {{"rfc2217://", Protocol::kRfc2217}, {"tcp://", Protocol::kRawTcp}};

NetworkSerialAddress parse_host_and_port(std::string_view url, const Scheme& scheme) {
  auto bad = [&](const std::string& why) {
    return std::invalid_argument(fmt::format("{}: {} (expected {}HOST:PORT)", url, why, scheme.prefix));
  };
  std::string_view rest = url.substr(scheme.prefix.size());
  std::string_view host;
  if (rest.starts_with('[')) {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) throw bad("no ']' after the IPv6 address");
    host = rest.substr(1, close - 1);
    if (host.empty()) throw bad("no host");
    in6_addr parsed{};
    if (::inet_pton(AF_INET6, std::string(host).c_str(), &parsed) != 1) {
      throw bad(fmt::format("'{}' is not an IPv6 address", host));
    }
    rest.remove_prefix(close + 1);
    if (!rest.starts_with(':')) throw bad("no port");
  } else {
    const size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) throw bad("no port");
    host = rest.substr(0, colon);
    rest.remove_prefix(colon);
    if (host.empty()) throw bad("no host");
    if (host.find(':') != std::string_view::npos) throw bad("an IPv6 address goes in brackets, as in [::1]");
    auto allowed = [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
    };
    if (auto c = std::find_if_not(host.begin(), host.end(), allowed); c != host.end()) {
      throw bad(fmt::format("'{}' cannot be in a host name", *c));
    }
  }
  const std::string_view port = rest.substr(1);
  if (port.empty()) throw bad("no port");
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw bad(fmt::format("port '{}' is not a number", port));
  }
  unsigned long number = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (ec != std::errc() || number < 1 || number > 65535)
    throw bad(fmt::format("port {} is out of range 1-65535", port));
  return {scheme.protocol, std::string(host), static_cast<uint16_t>(number)};
}

}  // namespace

std::optional<NetworkSerialAddress> parse_network_serial(std::string_view text) {
  for (const Scheme& scheme : kSchemes) {
    if (text.starts_with(scheme.prefix)) return parse_host_and_port(text, scheme);
  }
  return std::nullopt;
}

std::string network_serial_url(const NetworkSerialAddress& address) {
  for (const Scheme& scheme : kSchemes) {
    if (scheme.protocol == address.protocol) {
      return fmt::format("{}{}", scheme.prefix, host_and_port(address.host, address.port));
    }
  }
  return host_and_port(address.host, address.port);
}

}  // namespace shakedown::links

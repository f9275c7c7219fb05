#pragma once
// HOST:PORT as `connect`, `probe` and a scenario's external server take it,
// and HOST's IPv4 address.

#include <cstdint>
#include <optional>
#include <string>

namespace shakedown::net {

struct HostPort {
  std::string host;  // a name or an IPv4 address
  uint16_t port = 0;
  bool operator==(const HostPort&) const = default;
};

// Nullopt for text that is no HOST:PORT (IPv6 addresses are not taken).
std::optional<HostPort> parse_host_port(const std::string& text);

bool is_ipv4(const std::string& host);

// HOST's first IPv4 address, or why there is none.
struct Resolved {
  std::string address;
  std::string error;
};
// Within 10 s: getaddrinfo has no timeout of its own, so it runs on a
// thread of its own, left behind if it hangs (the process ends soon after).
Resolved resolve_ipv4(const std::string& host);

}  // namespace shakedown::net

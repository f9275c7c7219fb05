#include "host_port.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>

#include <charconv>
#include <chrono>
#include <future>
#include <memory>
#include <thread>

namespace shakedown::net {
namespace {

constexpr auto kResolveTimeout = std::chrono::seconds(10);

}  // namespace

std::optional<HostPort> parse_host_port(const std::string& text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || text.find(':') != colon) return std::nullopt;
  unsigned port = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data() + colon + 1, end, port);
  if (ec != std::errc() || ptr != end || port == 0 || port > 65535) return std::nullopt;
  return HostPort{text.substr(0, colon), static_cast<uint16_t>(port)};
}

bool is_ipv4(const std::string& host) {
  in_addr ignored{};
  return ::inet_pton(AF_INET, host.c_str(), &ignored) == 1;
}

Resolved resolve_ipv4(const std::string& host) {
  if (is_ipv4(host)) return {host, ""};
  auto answer = std::make_shared<std::promise<Resolved>>();
  auto result = answer->get_future();
  std::thread([host, answer] {
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
    if (rc != 0 || found == nullptr) {
      answer->set_value({"", fmt::format("{} does not resolve to an IPv4 address ({})", host, ::gai_strerror(rc))});
      return;
    }
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr, text, sizeof text);
    ::freeaddrinfo(found);
    answer->set_value({text, ""});
  }).detach();
  if (result.wait_for(kResolveTimeout) != std::future_status::ready) {
    return {"", fmt::format("resolving {} took more than {} s", host, kResolveTimeout.count())};
  }
  return result.get();
}

}  // namespace shakedown::net

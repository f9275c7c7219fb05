#include "host_lookup.h"

#include <sys/socket.h>

#include <fmt/format.h>

#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>

namespace shakedown::links {
namespace {

// What the lookup thread and its caller share. Whoever comes last frees the
// result: the caller when it took it, the thread when the caller gave up.
struct PendingLookup {
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  bool abandoned = false;
  int rc = 0;
  addrinfo* result = nullptr;
};

addrinfo tcp_hints(int flags) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  hints.ai_flags = AI_NUMERICSERV | flags;
  return hints;
}

Error lookup_error(const std::string& host, int rc) {
  return infrastructure_error(fmt::format("look up {}: {}", host, ::gai_strerror(rc)));
}

}  // namespace

Result<AddressList> look_up_host(const std::string& host, uint16_t port, std::chrono::milliseconds timeout) {
  const std::string service = std::to_string(port);
  // A literal address needs no resolver, so it never waits.
  addrinfo* found = nullptr;
  const addrinfo literal = tcp_hints(AI_NUMERICHOST);
  int rc = ::getaddrinfo(host.c_str(), service.c_str(), &literal, &found);
  if (rc == 0) return AddressList(found);
  if (rc != EAI_NONAME) return lookup_error(host, rc);

  auto pending = std::make_shared<PendingLookup>();
  auto look_up = [pending, host, service] {
    const addrinfo hints = tcp_hints(0);
    addrinfo* result = nullptr;
    const int lookup_rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &result);
    std::lock_guard lock(pending->mutex);
    if (pending->abandoned) {
      if (lookup_rc == 0) ::freeaddrinfo(result);
      return;
    }
    pending->rc = lookup_rc;
    pending->result = result;
    pending->done = true;
    pending->finished.notify_one();
  };
  try {
    std::thread(look_up).detach();
  } catch (const std::system_error& e) {
    return infrastructure_error(fmt::format("look up {}: no thread to look it up on: {}", host, e.what()));
  }

  std::unique_lock lock(pending->mutex);
  if (!pending->finished.wait_for(lock, timeout, [&] { return pending->done; })) {
    pending->abandoned = true;
    return infrastructure_error(fmt::format("look up {}: no answer within {} ms", host, timeout.count()));
  }
  if (pending->rc != 0) return lookup_error(host, pending->rc);
  return AddressList(pending->result);
}

std::string host_and_port(const std::string& host, uint16_t port) {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

}  // namespace shakedown::links

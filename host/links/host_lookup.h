#pragma once
// Finding the addresses of a host to connect to over TCP, bounded by a
// timeout. getaddrinfo() itself cannot be bounded, so a name is looked up on
// a thread of its own; if the timeout passes first, the caller gets an error
// and the thread finishes alone, freeing what it found. A literal address
// (IPv4, or IPv6 without brackets) is parsed in place, with no thread.

#include <netdb.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "shakedown/errors/result.h"

namespace shakedown::links {

struct AddressListFree {
  void operator()(addrinfo* list) const { ::freeaddrinfo(list); }
};
// getaddrinfo()'s list: at least one address, each with its port set.
using AddressList = std::unique_ptr<addrinfo, AddressListFree>;

// The addresses of `host` for a TCP connection to `port`, within `timeout`;
// an infrastructure error "look up HOST: <why>" if there are none in time.
Result<AddressList> look_up_host(const std::string& host, uint16_t port, std::chrono::milliseconds timeout);

// "HOST:PORT", with an IPv6 address in brackets ("[::1]:5000"), as in a URL.
std::string host_and_port(const std::string& host, uint16_t port);

}  // namespace shakedown::links

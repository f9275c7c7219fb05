#pragma once
// BenchRelay: how a board on the bench network reaches the test servers,
// which listen on 127.0.0.1 only. It listens on this host's bench address
// (never a wildcard) on a port the kernel picks, accepts connections from
// the board's address only (anything else is reset at once), and relays
// each to 127.0.0.1:<the current cell's server port>. Like the QEMU
// target's guestfwd relay it mirrors how the server ended: a reset from the
// server becomes a reset towards the board, so the firmware sees
// MBEDTLS_ERR_NET_CONN_RESET where the simulator does.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

namespace shakedown::targets {

class BenchRelay {
 public:
  // Listens on listen_address:port (0: one the kernel picks) for
  // connections from board_address. Throws std::runtime_error naming the
  // address if it cannot (not this host's address, not an address a bench
  // may listen on, or the port is taken).
  BenchRelay(const std::string& listen_address, const std::string& board_address, uint16_t port = 0);
  ~BenchRelay();  // stops listening and ends relayed connections, bounded
  BenchRelay(const BenchRelay&) = delete;
  BenchRelay& operator=(const BenchRelay&) = delete;

  uint16_t port() const { return port_; }
  const std::string& listen_address() const { return listen_address_; }
  // Where the next accepted connection goes (an IPv4 address: 127.0.0.1 for
  // a cell's test server); ones already relayed keep theirs. Throws
  // std::runtime_error for text that is no IPv4 address.
  void set_server(const std::string& address, uint16_t port);
  // Connections refused because they came from another address.
  uint32_t refused() const { return refused_; }

  // The relay's event loop; public only so its coroutine can name it.
  struct State;

 private:
  std::unique_ptr<State> state_;
  std::string listen_address_;
  uint16_t port_ = 0;
  std::atomic<uint64_t> server_{0};  // the IPv4 address << 16 | the port: set as one
  std::atomic<uint32_t> refused_{0};
  std::thread thread_;
};

}  // namespace shakedown::targets

#pragma once
// A bench file: the boards attached to this host and the network they reach
// it on. `shakedown run --target board --bench FILE` reads it.
//
//   # bench.yaml
//   host_address: 192.168.7.1      # this host on the bench network
//   boards:
//     - name: nucleo-a               # for reports
//       serial: 066DFF495150897267173233   # the ST-Link's USB serial number
//       address: 192.168.7.2         # the board's own address
//     - name: nucleo-b
//       serial: 0670FF535155878281102539
//       address: 192.168.8.2
//       host_address: 192.168.8.1    # a board on a link of its own
//     - name: nucleo-c               # a board on another host (docs/bench.md)
//       serial: rfc2217://bench-2.lab:3001   # its port, exported by ser2net (or tcp://)
//       openocd: bench-2.lab:6666    # reset and flash through that host's openocd (TCL port)
//       images: /srv/shakedown/firmware   # where that host keeps the images
//       address: 192.168.7.3
//       relay_port: 47001            # fixed, so a firewall rule can name it
//   flash_tool: openocd              # or st-flash; default: whichever is installed
//
// The test servers stay on 127.0.0.1; for each board the host listens on its
// host_address only, accepts only the board's address and relays to the
// current cell's server (BenchRelay). host_address must be a private,
// link-local or loopback address: a bench is never reached from the
// internet.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "host_port.h"

namespace shakedown::targets {

struct BenchBoard {
  std::string name;
  // The ST-Link's USB serial number, or a network serial port's URL
  // (rfc2217://HOST:PORT or tcp://HOST:PORT, links/network_serial.h).
  std::string serial;
  std::string address;       // IPv4: where the relay sees the board's connections come from
  std::string host_address;  // IPv4, this host's on the board's network
  uint16_t relay_port = 0;   // 0: one the kernel picks
  // Set: the board reaches the relay through a forward (on its bench host)
  // at this IPv4 address and port, instead of host_address:relay_port.
  std::optional<net::HostPort> board_dials;
  // Set: reset and flash through this openocd's TCL server, not a local tool.
  std::optional<net::HostPort> openocd;
  // With openocd: the folder on openocd's host holding the images; empty:
  // the same path as here (a shared folder, or openocd on this host).
  std::string images;

  bool remote_link() const;  // `serial` is a URL
};

struct Bench {
  std::vector<BenchBoard> boards;
  std::string flash_tool;  // "", "openocd" or "st-flash"
};

// A bench file that does not load: what() starts with "file:line: field:".
class BenchFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

Bench load_bench_file(const std::filesystem::path& file);

// The same for a bench file's text already in memory: `file` names it in
// messages; nothing is read from disk.
Bench parse_bench_file(std::string_view text, const std::filesystem::path& file);

// Whether `address` is IPv4 in 10/8, 172.16/12, 192.168/16, 169.254/16 or
// 127/8: the only places a bench listener may be.
bool is_bench_listen_address(const std::string& address);

}  // namespace shakedown::targets

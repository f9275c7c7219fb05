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
//   flash_tool: openocd              # or st-flash; default: whichever is installed
//
// The test servers stay on 127.0.0.1; for each board the host listens on its
// host_address only, accepts only the board's address and relays to the
// current cell's server (BenchRelay). host_address must be a private,
// link-local or loopback address: a bench is never reached from the
// internet.

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace shakedown::targets {

struct BenchBoard {
  std::string name;
  std::string serial;
  std::string address;       // IPv4, the board's
  std::string host_address;  // IPv4, this host's on the board's network
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

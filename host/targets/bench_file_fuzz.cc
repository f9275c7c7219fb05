// libFuzzer target: any bytes as a bench file's text. A BenchFileError is
// the loader's answer to a bad file; any other exception escaping, a crash,
// a leak or undefined behaviour is a finding. A bench that loads must hold
// what the board target relies on: boards with a name, a serial and two
// different IPv4 addresses (one and the same only behind a forward), the
// host's one a bench listen address; a board on another host, or with
// images there, has an openocd to reach.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bench_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shakedown::targets;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const Bench bench = parse_bench_file(text, "fuzz/bench.yaml");
    if (bench.boards.empty()) __builtin_trap();
    for (const BenchBoard& b : bench.boards) {
      if (b.name.empty() || b.serial.empty() || b.address.empty()) __builtin_trap();
      if (b.address == b.host_address && !b.board_dials) __builtin_trap();
      if ((b.remote_link() || !b.images.empty()) && !b.openocd) __builtin_trap();
      if (!is_bench_listen_address(b.host_address)) __builtin_trap();
    }
  } catch (const BenchFileError&) {
  }
  return 0;
}

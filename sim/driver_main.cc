// shakedown-sim: runs the simulator build for one (Mbed TLS line, profile).
//
//   shakedown-sim --list
//   shakedown-sim --mbedtls 2.28 --profile field-2x handshake --server 127.0.0.1:PORT --ca ca.pem
//
// Everything after the options goes to the build (see sim_main.cc).

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <iostream>

#include "sim_builds.h"

int main(int argc, char** argv) {
  using namespace shakedown::sim;
  CLI::App app{"shakedown simulator: the TLS client core on POSIX, one build per Mbed TLS line and profile"};
  std::string line, profile;
  bool list = false;
  app.add_flag("--list", list, "List the builds");
  app.add_option("--mbedtls", line, "Mbed TLS line, e.g. 3.6 or 2.28");
  app.add_option("--profile", profile, "Config profile (firmware/configs/<profile>.h)");
  app.prefix_command();  // the rest belongs to the build
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  const auto dir = default_sim_build_dir();
  const auto builds = list_sim_builds(dir);
  if (list) {
    for (const auto& b : builds)
      std::cout << b.mbedtls_line << "\t" << b.profile << "\t" << b.executable.string() << "\n";
    return 0;
  }
  if (line.empty() || profile.empty()) {
    std::cerr << "shakedown-sim: --mbedtls and --profile are required (see --list)\n";
    return 2;
  }
  const auto exe = sim_build_path(dir, line, profile);
  std::vector<std::string> args{exe.string()};
  for (const auto& a : app.remaining()) args.push_back(a);
  std::vector<char*> argv_out;
  for (auto& a : args) argv_out.push_back(a.data());
  argv_out.push_back(nullptr);
  ::execv(exe.c_str(), argv_out.data());
  std::cerr << "shakedown-sim: no build for Mbed TLS " << line << " with profile " << profile << " (" << exe.string()
            << ": " << std::strerror(errno) << "); see shakedown-sim --list\n";
  return 2;
}

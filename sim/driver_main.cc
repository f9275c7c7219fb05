// shakedown-sim: runs the simulator build for one (Mbed TLS line, profile).
//
//   shakedown-sim --list
//   shakedown-sim --version                 every build's banner fields
//   shakedown-sim --mbedtls 2.28 --profile field-2x [--listen 127.0.0.1:0 | --stdio | --version]
//
// Everything after the options goes to the build (see sim_main.cc).

#include <spawn.h>
#include <sys/wait.h>
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
  bool list = false, version = false;
  app.add_flag("--list", list, "List the builds");
  app.add_flag("--version", version, "Print the banner fields of the build, or of every build");
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
  if (version && line.empty() && profile.empty()) {
    int status = 0;
    for (const auto& b : builds) {
      std::string exe = b.executable.string(), flag = "--version";
      char* args[] = {exe.data(), flag.data(), nullptr};
      pid_t pid = 0;
      if (::posix_spawn(&pid, exe.c_str(), nullptr, nullptr, args, environ) != 0 || ::waitpid(pid, &status, 0) != pid) {
        std::cerr << "shakedown-sim: cannot run " << exe << "\n";
        return 2;
      }
      std::cout << std::endl;
    }
    return builds.empty() ? 2 : 0;
  }
  if (line.empty() || profile.empty()) {
    std::cerr << "shakedown-sim: --mbedtls and --profile are required (see --list)\n";
    return 2;
  }
  const auto exe = sim_build_path(dir, line, profile);
  std::vector<std::string> args{exe.string()};
  if (version) args.push_back("--version");
  for (const auto& a : app.remaining()) args.push_back(a);
  std::vector<char*> argv_out;
  for (auto& a : args) argv_out.push_back(a.data());
  argv_out.push_back(nullptr);
  ::execv(exe.c_str(), argv_out.data());
  std::cerr << "shakedown-sim: no build for Mbed TLS " << line << " with profile " << profile << " (" << exe.string()
            << ": " << std::strerror(errno) << "); see shakedown-sim --list\n";
  return 2;
}

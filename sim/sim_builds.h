#pragma once
// Where the simulator builds live: one executable per (Mbed TLS line, profile)
// in <prefix>/libexec/shakedown/, found relative to the running program in
// <prefix>/bin/. Used by `shakedown-sim` and by the host's sim target.

#include <filesystem>
#include <string>
#include <vector>

namespace shakedown::sim {

struct SimBuild {
  std::string mbedtls_line;  // "2.28"
  std::string profile;       // "field-2x"
  std::filesystem::path executable;
};

// <prefix>/libexec/shakedown for the running program at <prefix>/bin/<name>.
std::filesystem::path default_sim_build_dir();

std::filesystem::path sim_build_path(const std::filesystem::path& dir, const std::string& mbedtls_line,
                                     const std::string& profile);

// Every build in `dir`, sorted by line then profile.
std::vector<SimBuild> list_sim_builds(const std::filesystem::path& dir);

}  // namespace shakedown::sim

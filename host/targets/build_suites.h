#pragma once
// The cipher suites a build (Mbed TLS line, profile) was compiled with, as
// its simulator executable lists them (`--version`). Every target's image of
// that build comes from the same config, so the list holds on each of them.

#include <cstdint>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

namespace shakedown::targets {

// The suite ids in the build's preference order, or why they could not be
// read (no such build, or it did not answer within a few seconds).
std::variant<std::vector<uint16_t>, std::string> sim_build_suites(const std::filesystem::path& sim_build_dir,
                                                                  const std::string& mbedtls_line,
                                                                  const std::string& profile);

}  // namespace shakedown::targets

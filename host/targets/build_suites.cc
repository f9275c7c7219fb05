#include "build_suites.h"

#include <fmt/format.h>

#include <charconv>
#include <sstream>

#include "sim_builds.h"
#include "subprocess.h"

namespace shakedown::targets {

std::variant<std::vector<uint16_t>, std::string> sim_build_suites(const std::filesystem::path& sim_build_dir,
                                                                  const std::string& mbedtls_line,
                                                                  const std::string& profile) {
  const auto exe = sim::sim_build_path(sim_build_dir, mbedtls_line, profile);
  std::error_code ec;
  if (!std::filesystem::exists(exe, ec)) return fmt::format("no simulator build {}", exe.string());
  const auto run = process::run_process({exe.string(), "--version"}, std::chrono::seconds(10));
  if (!run.exited_cleanly()) return fmt::format("{} --version: {}", exe.string(), run.describe());
  std::vector<uint16_t> suites;
  std::istringstream lines(run.out);
  for (std::string line; std::getline(lines, line);) {
    constexpr std::string_view kPrefix = "ciphersuite ";
    if (!line.starts_with(kPrefix) || line.size() < kPrefix.size() + 4) continue;
    uint16_t id = 0;
    const char* hex = line.data() + kPrefix.size();
    if (std::from_chars(hex, hex + 4, id, 16).ec == std::errc()) suites.push_back(id);
  }
  if (suites.empty()) return fmt::format("{} --version listed no cipher suites", exe.string());
  return suites;
}

}  // namespace shakedown::targets

#include "sim_builds.h"

#include <algorithm>
#include <system_error>

namespace shakedown::sim {
namespace {
constexpr std::string_view kPrefix = "shakedown-sim-";
}

std::filesystem::path default_sim_build_dir() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "libexec/shakedown";
  return self.parent_path().parent_path() / "libexec" / "shakedown";
}

std::filesystem::path sim_build_path(const std::filesystem::path& dir, const std::string& mbedtls_line,
                                     const std::string& profile) {
  return dir / (std::string(kPrefix) + mbedtls_line + "-" + profile);
}

std::vector<SimBuild> list_sim_builds(const std::filesystem::path& dir) {
  std::vector<SimBuild> builds;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (!name.starts_with(kPrefix)) continue;
    std::string rest = name.substr(kPrefix.size());
    auto dash = rest.find('-');
    if (dash == std::string::npos) continue;
    builds.push_back({rest.substr(0, dash), rest.substr(dash + 1), entry.path()});
  }
  std::sort(builds.begin(), builds.end(), [](const SimBuild& a, const SimBuild& b) {
    return std::tie(a.mbedtls_line, a.profile) < std::tie(b.mbedtls_line, b.profile);
  });
  return builds;
}

}  // namespace shakedown::sim

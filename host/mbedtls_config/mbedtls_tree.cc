#include "mbedtls_tree.h"

#include <fmt/format.h>

#include <fstream>
#include <regex>
#include <sstream>

namespace shakedown::mbedtls_config {
namespace fs = std::filesystem;

fs::path MbedtlsTree::default_config() const {
  return dir / "include" / "mbedtls" / (is_2x() ? "config.h" : "mbedtls_config.h");
}

MbedtlsTree read_tree(const fs::path& dir) {
  static const std::regex version_line(R"re(^#define MBEDTLS_VERSION_STRING +"(([0-9]+\.[0-9]+)\.[0-9]+)")re");
  for (const char* header : {"build_info.h", "version.h"}) {
    std::ifstream in(dir / "include" / "mbedtls" / header);
    std::string text;
    while (std::getline(in, text)) {
      std::smatch m;
      if (std::regex_search(text, m, version_line)) return {fs::absolute(dir).lexically_normal(), m[1], m[2]};
    }
  }
  throw TreeError(
      fmt::format("{}: not an Mbed TLS source tree (no MBEDTLS_VERSION_STRING in include/mbedtls/)", dir.string()));
}

std::set<std::string> known_options(const MbedtlsTree& tree) {
  static const std::regex option(R"(^\s*(//)?\s*#define\s+(MBEDTLS_[A-Z0-9_]+))");
  std::ifstream in(tree.default_config());
  std::set<std::string> names;
  std::string text;
  while (std::getline(in, text)) {
    std::smatch m;
    if (std::regex_search(text, m, option)) names.insert(m[2]);
  }
  return names;
}

std::vector<MbedtlsTree> built_trees() {
  std::vector<MbedtlsTree> trees;
  std::istringstream dirs(SHAKEDOWN_MBEDTLS_TREES);
  std::string dir;
  while (std::getline(dirs, dir, '|')) {
    if (dir.empty()) continue;
    try {
      trees.push_back(read_tree(dir));
    } catch (const TreeError&) {
      // A tree removed since the build: not offered.
    }
  }
  return trees;
}

MbedtlsTree choose_tree(const std::string& line_or_dir) {
  std::string lines;
  for (const auto& tree : built_trees()) {
    if (tree.line == line_or_dir) return tree;
    lines += (lines.empty() ? "" : ", ") + tree.line;
  }
  if (fs::is_directory(line_or_dir)) return read_tree(line_or_dir);
  throw TreeError(fmt::format("--mbedtls {}: neither a line this build has ({}) nor an Mbed TLS source folder",
                              line_or_dir, lines));
}

}  // namespace shakedown::mbedtls_config

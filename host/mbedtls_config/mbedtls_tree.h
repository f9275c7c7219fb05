#pragma once
// An Mbed TLS source tree as a device project has it: the one ci/setup
// unpacked, or the user's own (a CubeMX project's Middlewares/Third_Party/mbedTLS).
// Its line is named by its own version, as cmake/MbedTLS.cmake names it.

#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace shakedown::mbedtls_config {

struct MbedtlsTree {
  std::filesystem::path dir;
  std::string version;  // "2.28.3", MBEDTLS_VERSION_STRING
  std::string line;     // "2.28"

  // The config the tree builds with when a project names none: 2.x
  // include/mbedtls/config.h, 3.x include/mbedtls/mbedtls_config.h.
  std::filesystem::path default_config() const;
  bool is_2x() const { return line.starts_with("2."); }
};

class TreeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads the tree's version; TreeError names the folder when it is not an
// Mbed TLS tree (no MBEDTLS_VERSION_STRING in include/mbedtls/).
MbedtlsTree read_tree(const std::filesystem::path& dir);

// Every option name the tree's default config knows, defined or commented
// out ("//#define MBEDTLS_SHA1_C"): the line's vocabulary.
std::set<std::string> known_options(const MbedtlsTree& tree);

// The trees this build of shakedown was configured with (SHAKEDOWN_MBEDTLS_SOURCE_DIRS).
std::vector<MbedtlsTree> built_trees();

// `--mbedtls` as the user gives it: a line this build knows ("2.28") or
// any tree's folder. TreeError says which lines there are otherwise.
MbedtlsTree choose_tree(const std::string& line_or_dir);

}  // namespace shakedown::mbedtls_config

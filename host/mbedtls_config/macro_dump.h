#pragma once
// The options a config header leaves defined, read with the compiler's own
// preprocessor (`cc -E -dD`), not by parsing C: conditionals, includes and
// redefinitions count as they do when the project builds.

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "mbedtls_tree.h"

namespace shakedown::mbedtls_config {

struct Macro {
  std::string params;  // "(x)" for a function-like macro; empty for an option
  std::string value;   // the replacement, whitespace as the preprocessor prints it
  int line = 0;        // where it was last defined
  std::string file;    // in which file: empty for the config itself, else the name of one it includes

  bool operator==(const Macro& o) const { return params == o.params && value == o.value; }
};

// MBEDTLS_* names only; header guards and the names of config files left out.
using Macros = std::map<std::string, Macro>;

// An #include the preprocessor could not find (a HAL header, say): left
// out, and said so, since an option cannot depend on what is not there.
struct DroppedInclude {
  int line = 0;
  std::string header;
};

struct MacroDump {
  Macros macros;
  std::vector<DroppedInclude> dropped_includes;
};

// A config the compiler rejects: what() is "FILE:LINE: the compiler's message".
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// At most 400 bytes of a line a compiler printed (which can echo anything),
// marked " [...]" where cut: for an error message.
std::string bounded_compiler_line(const std::string& text);

// The user's config as its project compiles it (as MBEDTLS_CONFIG_FILE), with
// the MBEDTLS_USER_CONFIG_FILE it names, on `tree`'s line. Throws ConfigError.
MacroDump dump_config(const std::filesystem::path& file, const MbedtlsTree& tree);

// The tree's own default config, read the same way.
MacroDump dump_default_config(const MbedtlsTree& tree);

// The tree's defaults with a profile header on top (a user-config delta, as
// firmware/configs/*.h and imported configs are): what a build of that
// profile is configured with.
MacroDump dump_profile(const MbedtlsTree& tree, const std::filesystem::path& profile_header);

}  // namespace shakedown::mbedtls_config

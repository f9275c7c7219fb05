#pragma once
// A device's own full config header (2.x config.h, 3.x mbedtls_config.h, a
// CubeMX-generated one) made buildable for shakedown's targets: its hooks
// into the device's hardware and project are taken out (substitutions.h),
// every other option is kept exactly, and the result is a profile header,
// a user-config delta over the line's defaults, as firmware/configs/*.h
// are. The simulator and the firmware built from it report the same hash.

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "macro_dump.h"
#include "mbedtls_tree.h"

namespace shakedown::mbedtls_config {

struct Substitution {
  std::string option;
  Macro user;                    // as the user's config has it
  std::string_view replaced_by;  // the rule's
};

struct ImportedConfig {
  std::filesystem::path file;
  MbedtlsTree tree;
  std::string tree_choice;  // why this line: named, or the guess's evidence
  Macros effective;         // the user's options without the substitutions: what the build keeps
  Macros defaults;          // the line's own defaults, for what differs
  std::vector<Substitution> substitutions;
  std::vector<DroppedInclude> dropped_includes;
  std::vector<std::string> unknown_options;  // defined, but not options of this line
  std::string name;                          // the profile's name, from the file's
  std::string profile_header;                // the delta over the line's defaults
  std::string hash;                          // SHA-256 of profile_header, 16 hex digits, as CMake hashes a profile
};

// Throws ConfigError (the file does not preprocess) or TreeError.
ImportedConfig import_config(const std::filesystem::path& file, const MbedtlsTree& tree, std::string tree_choice);

// The line among `trees` whose default config knows most of the options
// `file` defines; `why` gets the counts. TreeError when no tree is given or
// two tie.
MbedtlsTree guess_tree(const std::filesystem::path& file, std::span<const MbedtlsTree> trees, std::string* why);

// The profile header of `config`'s effective options (its delta over the
// line's defaults), and the hash of a header as CMake takes it (16 hex
// digits of its SHA-256).
std::string profile_header_of(const ImportedConfig& config);
std::string config_hash_of(const std::string& profile_header);

// What the effective options change from the line's defaults (the hooks
// the target's seams replace aside).
struct Differences {
  std::vector<std::string> turned_off;  // on by default, off here
  std::vector<std::string> turned_on;   // off by default, on here
  std::vector<std::string> changed;     // on in both, another value
};
Differences differences(const ImportedConfig& config);

}  // namespace shakedown::mbedtls_config

#pragma once
// Simulator and firmware builds made on demand for a device's own config (an imported
// one, mbedtls_config/config_import.h): built once per (tree, options,
// shakedown revision), cached by the content hash of the three, sharing the
// machine's ccache. Concurrent runs take a lock per build: one builds, the
// others wait for it (bounded) and use its result; a build is used only
// once it is complete, never half made.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "config_import.h"

namespace shakedown::builds {

// What is built: the simulator, or a firmware image (cross-built as
// presets qemu and nucleo build them).
enum class BuildKind { kSimulator, kQemuImage, kNucleoImage };

struct Build {
  // Holds shakedown-sim-<line>-<profile> (kSimulator) or
  // firmware-<port>-<line>-<profile>.elf (the images).
  std::filesystem::path dir;
  std::filesystem::path output;  // that file
  bool built_now = false;        // false: it was in the cache
  double seconds = 0;            // building, or waiting for another run's build
};

// A build that failed: what() names the compiler's first error and, where it
// names an option, the line of the user's config that sets it.
class BuildError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// $SHAKEDOWN_BUILD_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/shakedown/builds.
std::filesystem::path build_cache_root();

// The build of `kind` for `config`, built if the cache does not have it.
// `progress` gets a line when a build or a wait starts.
Build ensure_build(const mbedtls_config::ImportedConfig& config, BuildKind kind,
                   const std::function<void(const std::string&)>& progress);

// A Cortex-M image's size as the part sees it: flash holds text and data,
// RAM holds data and bss (arm-none-eabi-size's Berkeley columns).
struct ImageSize {
  uint64_t flash = 0;
  uint64_t ram = 0;
};
// nullopt when the tool is missing or cannot read the image.
std::optional<ImageSize> image_size(const std::filesystem::path& elf);

}  // namespace shakedown::builds

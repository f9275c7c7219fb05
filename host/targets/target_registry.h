#pragma once
// The targets `shakedown run --target NAME` knows: one row each, with what
// it needs, and the one function that makes it. The CLI reads the rows for
// validation, help and errors; nothing else names a target.
//
// Adding a target: a backend file (a DeviceBackend and its DeviceInstance,
// see device_backend.h) and one row in target_registry.cc.

#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "chaos_link.h"
#include "target.h"

namespace shakedown::targets {

// What `shakedown run` passes every target's factory; each takes what it needs.
struct TargetSettings {
  std::filesystem::path firmware_dir;  // --firmware-dir: images for qemu and board
  std::filesystem::path bench_file;    // --bench
  std::filesystem::path traffic_dir;   // --record-traffic; empty: no recording
  bool fresh_instances = false;        // --fresh-instances
  bool flash = true;                   // not --no-flash
  unsigned jobs = 1;                   // -j
  std::string parameter;               // what follows the name in --target NAME:PARAMETER
  // --chaos SEED: faults on the device links; sim and qemu take it, the
  // others refuse it.
  std::shared_ptr<links::ChaosSource> chaos;
  std::filesystem::path scratch_dir;   // the run's folder for temporary files (made before any cell runs)
  std::filesystem::path sim_build_dir;  // where sim finds its builds; empty: beside the program
};

// A factory's refusal of the settings (a missing --bench, a bench file that
// does not load): what() is the message, naming the flag.
class TargetUsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TargetRow {
  std::string_view name;         // as --target takes it
  std::string_view parameter;    // "PORT" when it takes --target NAME:PORT; empty when it takes none
  std::string_view description;  // for --help: what it is and what it needs
  // Throws TargetUsageError when the settings do not suit it.
  std::unique_ptr<Target> (*make)(const TargetSettings& settings);
};

std::span<const TargetRow> target_rows();
// The row --target names ("sim", or "attached:4000" for a row with a
// parameter); nullptr if none. *parameter gets what follows the ':'.
const TargetRow* find_target(std::string_view target, std::string* parameter = nullptr);
// "sim, qemu, board or attached:PORT": for messages.
std::string target_names();

}  // namespace shakedown::targets

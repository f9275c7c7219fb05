#include "target_registry.h"

#include <fmt/format.h>

#include <algorithm>

#include "board_target.h"
#include "qemu_target.h"
#include "sim_builds.h"
#include "sim_target.h"

namespace shakedown::targets {
namespace {

std::unique_ptr<Target> make_sim(const TargetSettings& s) {
  if (!s.traffic_dir.empty()) {
    throw TargetUsageError("--record-traffic: the sim target does not record; use qemu or board");
  }
  return std::make_unique<SimTarget>(s.sim_build_dir.empty() ? sim::default_sim_build_dir() : s.sim_build_dir,
                                     SimTargetOptions{.reuse_instances = !s.fresh_instances, .chaos = s.chaos});
}

std::unique_ptr<Target> make_qemu(const TargetSettings& s) {
  return std::make_unique<QemuTarget>(
      s.firmware_dir, std::filesystem::path(),
      QemuTargetOptions{.reuse_instances = !s.fresh_instances,
                        .max_idle = s.jobs,
                        .traffic_dir = s.traffic_dir,
                        .chaos = s.chaos,
                        .scratch_dir = s.scratch_dir});
}

std::unique_ptr<Target> make_board(const TargetSettings& s) {
  if (s.chaos) throw TargetUsageError("--chaos: a board's line is real; use sim or qemu");
  if (s.bench_file.empty()) {
    throw TargetUsageError("--target board needs --bench FILE, the boards and their network (docs/bench.md)");
  }
  Bench bench;
  try {
    bench = load_bench_file(s.bench_file);
  } catch (const BenchFileError& e) {
    throw TargetUsageError(fmt::format("--bench {}", e.what()));
  }
  auto hardware = std::make_unique<StLinkBench>(bench.flash_tool);
  return std::make_unique<BoardTarget>(
      std::move(bench), std::move(hardware),
      BoardTargetOptions{.image_dir = s.firmware_dir, .flash = s.flash, .traffic_dir = s.traffic_dir});
}

}  // namespace
std::unique_ptr<Target> make_attached(const TargetSettings& settings);  // attached_target.cc
namespace {

constexpr TargetRow kTargets[] = {
    {"sim", "", "the simulator builds on this host", make_sim},
    {"qemu", "", "the firmware under QEMU", make_qemu},
    {"board", "", "NUCLEO-F429ZI boards on a bench, see --bench", make_board},
    {"attached", "PORT", "a device already serving the device protocol on 127.0.0.1:PORT", make_attached},
};

std::string spelled(const TargetRow& row) {
  return row.parameter.empty() ? std::string(row.name) : fmt::format("{}:{}", row.name, row.parameter);
}

}  // namespace

std::span<const TargetRow> target_rows() {
  return kTargets;
}

const TargetRow* find_target(std::string_view target, std::string* parameter) {
  const auto colon = target.find(':');
  const std::string_view name = target.substr(0, colon);
  const auto* row =
      std::find_if(std::begin(kTargets), std::end(kTargets), [&](const TargetRow& r) { return r.name == name; });
  if (row == std::end(kTargets) || (colon == std::string_view::npos) != row->parameter.empty()) return nullptr;
  if (parameter != nullptr) *parameter = colon == std::string_view::npos ? "" : std::string(target.substr(colon + 1));
  return row;
}

std::string target_names() {
  std::string names;
  for (size_t i = 0; i < std::size(kTargets); ++i) {
    names += i == 0 ? "" : i + 1 == std::size(kTargets) ? " or " : ", ";
    names += spelled(kTargets[i]);
  }
  return names;
}

}  // namespace shakedown::targets

#include "fix_verification.h"

#include <fmt/format.h>

#include <map>

#include "build_cache.h"
#include "sim_target.h"

namespace shakedown::cli {
namespace {

using namespace mbedtls_config;

// A name for the derived config that is the same for the same change, so
// two cells with one fix share one build.
std::string suffix_of(const ConfigEdit& edit) {
  return "fix-" + config_hash_of(edit.describe()).substr(0, 8);
}

const runner::PlannedCell* planned_for(const runner::CellResult& r, const std::vector<runner::PlannedCell>& cells) {
  for (const auto& c : cells) {
    if (c.scenario->name == r.scenario && c.cell.mbedtls_line == r.cell.mbedtls_line) return &c;
  }
  return nullptr;
}

std::string signed_bytes(uint64_t before, uint64_t after) {
  const auto diff = static_cast<int64_t>(after) - static_cast<int64_t>(before);
  return fmt::format("{:+} B ({} -> {})", diff, before, after);
}

}  // namespace

void verify_fixes(std::vector<runner::CellResult>& results, const std::vector<runner::PlannedCell>& cells,
                  const ImportedConfig& config, const std::optional<ConfigEdit>& try_fix,
                  const runner::RunnerOptions& options) {
  const auto progress = [](const std::string& line) { fmt::print(stderr, "shakedown: {}\n", line); };
  std::optional<builds::ImageSize> base_size;
  bool base_sized = false;
  for (auto& r : results) {
    if (r.verdict == runner::Verdict::kInfrastructureError || r.report.passed()) continue;
    runner::FixVerification check;
    check.heap_before = r.report.heap_peak;
    const auto* primary = r.primary_finding();
    const auto edit = try_fix ? try_fix : primary ? config_edit_of(primary->fix) : std::nullopt;
    const auto* planned = planned_for(r, cells);
    if (!edit || planned == nullptr) {
      check.outcome = "not a config change";
      r.fix_check = check;
      continue;
    }
    check.change = edit->describe();
    try {
      const auto derived = apply_edit(config, *edit, suffix_of(*edit));
      const auto sim = builds::ensure_build(derived, builds::BuildKind::kSimulator, progress);
      targets::SimTarget target(sim.dir);
      const runner::Runner runner(options, target);
      scenario::Cell cell{.mbedtls_line = r.cell.mbedtls_line, .profile = derived.name};
      const auto again = runner.run_cell(*planned->scenario, cell);
      target.shut_down();
      if (again.verdict == runner::Verdict::kInfrastructureError) {
        check.outcome = "not checked: " + again.why;
      } else {
        // A fix is verified when its failure is gone: the cell passes, or
        // gets past it to a failure of another cause (the field device's
        // failures hid one another, each behind the one before).
        const bool passed = again.report.passed();
        const auto* now = again.primary_finding();
        const bool same = !passed && (primary == nullptr || now == nullptr ? again.report.result == r.report.result
                                                                            : now->id == primary->id);
        check.outcome = passed ? "fix verified" : same ? "fix did not help" : "fix verified: the next failure shows";
        check.result = passed ? "pass" : device::format_code(again.report.result);
        if (const auto* f = again.primary_finding()) check.finding = diagnosis::finding_name(f->id);
        check.heap_after = again.report.heap_peak;
      }
      if (!base_sized) {
        base_sized = true;
        try {
          base_size =
              builds::image_size(builds::ensure_build(config, builds::BuildKind::kNucleoImage, progress).output);
        } catch (const builds::BuildError& e) {
          progress(fmt::format("no flash and RAM price: {}", e.what()));
        }
      }
      if (base_size) {
        const auto after =
            builds::image_size(builds::ensure_build(derived, builds::BuildKind::kNucleoImage, progress).output);
        if (after) {
          check.flash_before = base_size->flash, check.flash_after = after->flash;
          check.ram_before = base_size->ram, check.ram_after = after->ram;
        }
      }
    } catch (const std::exception& e) {
      check.outcome = fmt::format("not checked: {}", e.what());
    }
    r.fix_check = check;
  }
}

std::string price_of(const runner::FixVerification& f) {
  std::string price;
  if (f.flash_before && f.flash_after && f.ram_before && f.ram_after) {
    price = fmt::format("NUCLEO-F429ZI flash {}, RAM {}", signed_bytes(*f.flash_before, *f.flash_after),
                        signed_bytes(*f.ram_before, *f.ram_after));
  }
  if (f.heap_before && f.heap_after) {
    price += fmt::format("{}peak heap {}", price.empty() ? "" : "; ", signed_bytes(*f.heap_before, *f.heap_after));
  }
  return price;
}

void print_fix_checks(const std::vector<runner::CellResult>& results) {
  bool header = false;
  for (const auto& r : results) {
    if (!r.fix_check) continue;
    if (!header) fmt::print("\nFixes, each made in a derived config, built and run again:\n"), header = true;
    const auto& f = *r.fix_check;
    fmt::print("{} [{}, Mbed TLS {}]\n", r.scenario, r.target, r.cell.mbedtls_line);
    if (f.change.empty()) {
      const auto* primary = r.primary_finding();
      fmt::print("  not a config change: {}\n", primary ? primary->fix : "no finding to fix");
      continue;
    }
    fmt::print("  {}: {}", f.change, f.outcome);
    if (!f.result.empty()) fmt::print(" (now {}{})", f.result, f.finding.empty() ? "" : ", " + f.finding);
    fmt::print("\n");
    if (const auto price = price_of(f); !price.empty()) fmt::print("  price: {}\n", price);
  }
}

}  // namespace shakedown::cli

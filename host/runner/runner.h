#pragma once
// Runner: runs one cell of a scenario (a build on a target against the
// scenario's test server), diagnoses it, and judges it against the cell's
// expectation.

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "capture.h"
#include "client_report.h"
#include "diagnosis.h"
#include "pki.h"
#include "scenario.h"
#include "server_setup.h"
#include "target.h"

namespace shakedown::runner {

enum class Verdict {
  kAsExpected,
  kUnexpected,           // the target answered, and not as expected
  kInfrastructureError,  // no answer to judge: the target or the harness failed
};

// `run --config FILE --verify-fixes`: the cell's fix made in a derived
// config, built, and the cell run again with it; and what the fix costs.
struct FixVerification {
  std::string change;   // "#define MBEDTLS_SHA1_C"; empty when the fix is not a config change
  std::string outcome;  // "fix verified", "fix did not help", "not a config change", "not checked: why"
  std::string result;   // the rerun's: "pass", or its code
  std::string finding;  // the rerun's first finding, if it failed
  std::optional<uint64_t> flash_before, flash_after, ram_before, ram_after;  // the NUCLEO image, bytes
  std::optional<uint32_t> heap_before, heap_after;                           // the cell's peak heap, bytes
};

struct CellResult {
  std::string scenario;
  std::string target;
  scenario::Cell cell;
  Verdict verdict = Verdict::kInfrastructureError;
  std::string why;  // kUnexpected: what differs; kInfrastructureError: what failed
  device::ClientReport report;
  device::BuildFacts build;
  std::optional<servers::ConnectionCapture> capture;
  std::vector<diagnosis::Finding> findings;
  std::vector<std::string> device_log;
  targets::RanOn ran_on;                // the host and device of its last attempt; empty: none
  double seconds = 0;                   // the cell's wall time, server set-up to verdict
  std::filesystem::path artifacts_dir;  // where its files went; empty: none kept
  // Attempts made: more than one when the device link failed and the cell
  // ran again on a fresh instance (never after a verdict). Why each earlier
  // attempt failed, oldest first.
  unsigned attempts = 1;
  std::vector<std::string> earlier_attempts;
  // An infrastructure error of the device link (HandshakeOutcome's): what is retried.
  bool device_link_failed = false;
  std::optional<FixVerification> fix_check;  // with --verify-fixes, for a failed cell

  const diagnosis::Finding* primary_finding() const { return findings.empty() ? nullptr : &findings.front(); }
};

struct RunnerOptions {
  std::filesystem::path pki_cache;
  // Per-cell files (device.log, result.json, the connection's pcap and key
  // log) go to <artifacts_dir>/<scenario>/<target>-<line>-<profile>/;
  // empty: none are kept.
  std::filesystem::path artifacts_dir;
  // Mbed TLS's debug level on the device for every cell (0..4); unset: the
  // device protocol's default, 3. A board's 115200-baud line carries level
  // 3's log at seconds a handshake; the run's findings do not read the log.
  std::optional<uint8_t> debug_level;
  // Times a cell runs again, each on a freshly booted instance, after an
  // infrastructure error of the device link (a frame lost, a hang-up).
  unsigned device_link_retries = 2;
  // Where the run keeps its temporary files (the s_server peer's key and
  // chain); empty: $TMPDIR.
  std::filesystem::path scratch_dir;
  // The file a fix names for a profile that is not in firmware/configs: an
  // imported config's own file (`run --config`).
  std::map<std::string, std::string> profile_files;
};

// How the why of a cell cut short by a stop request begins.
inline constexpr std::string_view kInterrupted = "interrupted: the run was stopped before the cell finished";

// Runs cells on one target; run_cell may be called from several threads.
class Runner {
 public:
  Runner(RunnerOptions options, targets::Target& target);
  // Once `stop` is requested the cell gives up promptly; a cell cut short
  // so is an infrastructure error whose why starts with kInterrupted, never
  // a verdict.
  CellResult run_cell(const scenario::Scenario& scenario, const scenario::Cell& cell, std::stop_token stop = {}) const;
  const targets::Target& target() const { return target_; }

 private:
  // The file a fix names for `profile`: firmware/configs/<profile>.h, or
  // the one RunnerOptions::profile_files gives.
  std::string profile_file(const std::string& profile) const {
    const auto it = options_.profile_files.find(profile);
    return it == options_.profile_files.end() ? "firmware/configs/" + profile + ".h" : it->second;
  }
  // One attempt; `fresh_instance` asks the target for a freshly booted one.
  CellResult run_cell_unsaved(const scenario::Scenario& scenario, const scenario::Cell& cell,
                              const std::filesystem::path& cell_dir, bool fresh_instance, std::stop_token stop) const;
  // The device's half of a cell, into `r`: its log, and its report and build,
  // or (false) the infrastructure error that kept it from one.
  bool handshake(targets::HandshakeRequest request, bool fresh_instance, std::stop_token stop, CellResult& r) const;
  // One attempt against a server the user names (peer: external), into `r`
  // (its scenario, target and cell set): no server of ours, so the findings
  // are those the device's side supports.
  CellResult meet_external_server(const scenario::Scenario& scenario, const scenario::Cell& cell, bool fresh_instance,
                                  std::stop_token stop, CellResult r) const;

  RunnerOptions options_;
  targets::Target& target_;
  std::unique_ptr<scenario::ChainStore> chains_;  // shared by the cells, whichever thread runs them
};

// What the target is asked to do for a cell, against the server on 127.0.0.1:port.
targets::HandshakeRequest handshake_request(const scenario::Scenario& scenario, const scenario::Cell& cell,
                                            uint16_t port, const servers::Chain& chain);

// The device's read timed out although bytes were still on their way, and
// not by the scenario's design (no stall, dribble or silence): the server had
// sent bytes the device never received, or the device had sent bytes the
// server never received (all of them when the server saw no connection end).
// The target's network held them (QEMU's slirp starved on a busy host, say):
// why, for an infrastructure error that is tried again, never a
// handshake-timeout verdict; nullopt otherwise. `capture` is our server's,
// null when it saw no connection end.
std::optional<std::string> held_in_transit(const device::ClientReport& report,
                                           const servers::ConnectionCapture* capture,
                                           const servers::EndpointConfig& config);

// Compares a result with its expectation; empty when it matches, else why not.
std::string judge(const scenario::Expectation& expect, const device::ClientReport& report,
                  const std::vector<diagnosis::Finding>& findings,
                  std::optional<uint16_t> server_signature = std::nullopt);

}  // namespace shakedown::runner

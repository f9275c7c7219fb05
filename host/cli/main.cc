// shakedown: runs TLS handshake scenarios against scripted OpenSSL test
// servers on a target, and explains every failure.
//
//   shakedown run <scenario files or folders> --target sim|qemu|board [-j N]
//       [--bench FILE] [--no-flash] [--record-traffic DIR] [--debug-level N] [--chaos SEED]
//       [--mbedtls LINE] [--config FILE [--expect-like PROFILE] [--verify-fixes] [--try-fix "NAME VALUE"]]
//       [--filter PATTERN] [--shard K/N] [--list]
//       [--out DIR] [--json FILE] [--junit FILE]
//   shakedown report <DIR>
//   shakedown merge <shard results.json>... --out DIR [--allow-missing]
//   shakedown diff <first.json> <second.json> [--html OUT]
//   shakedown boards
//   shakedown flash <image> [--serial SN] [--tool openocd|st-flash] [--dry-run]
//   shakedown explain <log file or -> [--json] [--scenario OUT] [--html OUT]
//   shakedown connect <HOST:PORT> [--target sim] [--mbedtls LINE] [--profile P | --config FILE] [--ca FILE]
//       [--servername NAME | --no-servername] [--time T] [--request TEXT] [--timeout S] [--json] [--log]
//   shakedown probe <HOST:PORT> [--servername NAME] [--ca FILE] [--max-handshakes N] [--timeout-ms MS] [--json FILE]
//       [--replica FILE [--profile P]...]
//   shakedown check --config FILE [--mbedtls LINE|DIR] [PATHS...] [-j N] [--json FILE]
//   shakedown config show <FILE> [--mbedtls LINE|DIR] [--json] [--profile-out FILE]
//
// Exit status (shakedown/errors/exit_codes.h): 0 every cell as expected;
// 1 some cell not as expected; 2 infrastructure errors (a target that did
// not answer) or an interrupted run; 3 usage errors, including scenario files
// that do not load; 4 no target (`boards` found no board attached); 5 not a
// log (`explain`). `report` exits as the run whose journal it reads would
// have (2 for a run that did not finish), `merge` as the whole run of its
// shards would have (2 also for missing cells).

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include "board_list.h"
#include "check_command.h"
#include "compare.h"
#include "config_command.h"
#include "connect_command.h"
#include "explain.h"
#include "flash.h"
#include "merge_command.h"
#include "output_text.h"
#include "probe_command.h"
#include "report_command.h"
#include "report_html.h"
#include "report_json.h"
#include "run_command.h"
#include "shakedown/errors/exit_codes.h"
#include "target_registry.h"

namespace {

using namespace shakedown;
// Every subcommand's exit status comes from the one table.
using exit_codes::kAllAsExpected, exit_codes::kUnexpected, exit_codes::kUsage, exit_codes::kNotALog;

// --target's help, from the registry's rows: "sim (...), qemu (...) or board (...)".
std::string target_help() {
  const auto rows = targets::target_rows();
  std::string help = "Where the client runs: ";
  for (size_t i = 0; i < rows.size(); ++i) {
    help += i == 0 ? "" : i + 1 == rows.size() ? " or " : ", ";
    help += fmt::format("{}{}{} ({})", rows[i].name, rows[i].parameter.empty() ? "" : ":", rows[i].parameter,
                        rows[i].description);
  }
  return help;
}

int diff(const std::string& a_path, const std::string& b_path, const std::string& html_path) {
  try {
    auto comparison = runner::compare_runs(runner::read_results(a_path), runner::read_results(b_path));
    if (comparison.a_target == comparison.b_target) {  // two runs on one target: tell them apart by file
      comparison.a_target = fmt::format("{} ({})", comparison.a_target, a_path);
      comparison.b_target = fmt::format("{} ({})", comparison.b_target, b_path);
    }
    runner::print_comparison(stdout, comparison);
    if (!html_path.empty()) {
      runner::write_file(html_path, report_html::diff_page(runner::to_json(comparison), a_path, b_path));
      fmt::print("report: {}\n", html_path);
    }
    return comparison.disagreements.empty() && comparison.only_in_a.empty() && comparison.only_in_b.empty()
               ? kAllAsExpected
               : kUnexpected;
  } catch (const std::exception& e) {
    fmt::print(stderr, "shakedown: {}\n", e.what());
    return kUsage;
  }
}

struct ExplainArgs {
  std::string log;
  bool json = false;
  std::string scenario_out;
  std::string html_out;
};

// A stream's lines, for the page that quotes them.
std::vector<std::string> lines_of(std::istream& in) {
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
  return lines;
}

int explain_log(const ExplainArgs& args) {
  std::error_code ignored;
  if (!args.scenario_out.empty() && args.log != "-" &&
      std::filesystem::equivalent(args.log, args.scenario_out, ignored)) {
    fmt::print(stderr, "shakedown explain: --scenario {}: that is the log being explained; name another file\n",
               args.scenario_out);
    return kUsage;
  }
  explain::LogFacts facts;
  std::vector<std::string> lines;  // the log's lines, kept only for --html
  try {
    if (args.log == "-" && !args.html_out.empty()) {  // stdin is read once: keep it for the page
      std::stringstream all;
      all << std::cin.rdbuf();
      facts = explain::read_log(all, "stdin");
      all.clear();
      all.seekg(0);
      lines = lines_of(all);
    } else if (args.log == "-") {
      facts = explain::read_log(std::cin, "stdin");
    } else {
      std::ifstream in(args.log, std::ios::binary);
      if (!in) {
        fmt::print(stderr, "shakedown explain: {}: cannot open ({})\n", args.log, std::strerror(errno));
        return kUsage;
      }
      facts = explain::read_log(in, args.log);
      if (!args.html_out.empty()) {
        std::ifstream again(args.log, std::ios::binary);
        lines = lines_of(again);
      }
    }
  } catch (const explain::NotALog& e) {
    fmt::print(stderr, "shakedown explain: {}\n", e.what());
    return kNotALog;
  }
  const explain::Explanation explanation = explain::explain(std::move(facts));
  if (args.json) {
    fmt::print("{}\n", runner::json_text(explain::to_json(explanation)));
  } else {
    fmt::print("{}", explain::to_text(explanation));
  }
  if (!args.html_out.empty()) {
    try {
      runner::write_file(args.html_out, report_html::explain_page(explain::to_json(explanation), lines,
                                                                  args.log == "-" ? "stdin" : args.log));
    } catch (const std::exception& e) {
      fmt::print(stderr, "shakedown explain: --html {}\n", e.what());
      return kUsage;
    }
    if (!args.json) fmt::print("\nReport written to {}\n", args.html_out);
  }
  if (!args.scenario_out.empty()) {
    std::ofstream out(args.scenario_out);
    out << explain::reproducer_scenario(explanation, std::filesystem::path(args.scenario_out).stem().string());
    if (!out.flush()) {
      fmt::print(stderr, "shakedown explain: --scenario {}: cannot write ({})\n", args.scenario_out,
                 std::strerror(errno));
      return kUsage;
    }
    if (!args.json) fmt::print("\nReproducer written to {}\n", args.scenario_out);
  }
  const bool unexplained = std::any_of(explanation.findings.begin(), explanation.findings.end(), [](const auto& f) {
    return f.finding.id == diagnosis::FindingId::kUnexplained;
  });
  return unexplained ? kUnexpected : kAllAsExpected;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"shakedown: reproduce and explain embedded TLS handshake failures"};
  app.require_subcommand(1);
  app.set_version_flag("--version", SHAKEDOWN_VERSION);
  cli::RunArgs args;
  auto* run_cmd = app.add_subcommand("run", "Run scenarios on a target and explain each failure");
  run_cmd->add_option("paths", args.paths, "Scenario files, or folders of them")->required();
  run_cmd->add_option("--target", args.target, target_help())->capture_default_str();
  run_cmd
      ->add_option("--firmware-dir", args.firmware_dir, "Where the qemu and board targets find their firmware images")
      ->capture_default_str();
  run_cmd->add_option("--bench", args.bench_file,
                      "For --target board: a bench file naming the boards (ST-Link serial numbers, or ser2net URLs for "
                      "boards on other hosts) and their network");
  run_cmd->add_flag("--no-flash", args.no_flash,
                    "For --target board: never program a board; one running another build is an infrastructure error");
  run_cmd
      ->add_option("--debug-level", args.debug_level,
                   "Mbed TLS debug level on the device, 0 to 4 (default 3). Lower it for a board: its 115200-baud "
                   "line carries level 3's log at about 3 s a handshake; findings do not depend on it")
      ->check(CLI::Range(0, 4));
  run_cmd->add_option("--record-traffic", args.traffic_dir,
                      "Record every device link's traffic (qemu, board) as transcripts in this folder, replayable in "
                      "tests");
  run_cmd->add_option("-j,--jobs", args.jobs, "Cells run at once (default: the number of cores)")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  run_cmd->add_option("--mbedtls", args.selection.mbedtls_lines,
                      "Run only the cells of these Mbed TLS lines (e.g. 2.28)");
  run_cmd->add_option("--config", args.config_file,
                      "A device's own Mbed TLS config file (config.h, mbedtls_config.h, a CubeMX one): each scenario "
                      "runs once with it instead of its profiles, on a simulator built for it on demand");
  run_cmd->add_option("--expect-like", args.expect_like,
                      "With --config: expect what each scenario expects of this profile (default: a pass)");
  run_cmd->add_flag("--verify-fixes", args.verify_fixes,
                    "With --config: make each failed cell's fix in a derived config, build it, run the cell again, "
                    "and give the fix's price (flash, RAM, peak heap)");
  run_cmd->add_option("--try-fix", args.try_fix,
                      "With --config: try this change (\"NAME [VALUE]\") on each failed cell instead of its fix");
  run_cmd->add_option("--filter", args.selection.filters,
                      "Run only cells whose id (scenario/line/profile, e.g. field/01-suite-mismatch/3.6/field-2x) "
                      "contains this text or matches this glob; may be repeated");
  run_cmd->add_option("--shard", args.shard, "Run the K-th of N equal shares of the cells (K/N), for parallel CI jobs");
  run_cmd->add_flag("--list", args.list, "Print the ids of the cells that would run, and stop");
  run_cmd->add_option(
      "--out", args.out_dir,
      "Write results.json, junit.xml, report.html and each cell's files (device log, result, the server's pcap and "
      "key log) under this folder");
  run_cmd->add_option("--json", args.json_path, "Also write the results as JSON to this file");
  run_cmd->add_option("--junit", args.junit_path, "Also write the results as JUnit XML to this file");
  run_cmd->add_option("--pki-cache", args.pki_cache, "Where generated certificate chains are kept");
  run_cmd->add_option("--chaos", args.chaos_seed,
                      "Inject faults (drops, corruption, repeats, delays, hang-ups) on the sim and qemu device links, "
                      "from this seed; every cell must still be as expected or an infrastructure error");
  run_cmd->add_flag("--fresh-instances", args.fresh_instances,
                    "Start a new simulator process (or QEMU boot) for every cell instead of reusing one per build");
  std::string report_dir;
  auto* report_cmd = app.add_subcommand(
      "report",
      "Rebuild results.json, junit.xml and report.html in a `run --out` folder from its journal (after the run was "
      "killed); exit as the run would have");
  report_cmd->add_option("dir", report_dir, "The folder `shakedown run --out` wrote")->required();
  cli::MergeArgs merge_args;
  auto* merge_cmd = app.add_subcommand(
      "merge",
      "Put the results.json files of a run's shards (run --shard K/N) back together as the whole run's results.json, "
      "junit.xml and report.html; exit as the whole run would have");
  merge_cmd->add_option("files", merge_args.files, "Each shard's results.json, one per shard K of N")->required();
  merge_cmd->add_option("--out", merge_args.out_dir, "Write the merged results.json, junit.xml and report.html here")
      ->required();
  merge_cmd->add_flag("--allow-missing", merge_args.allow_missing,
                      "Merge even when shards are not given: their cells are counted as missing and the merge "
                      "exits 2");
  std::string diff_a, diff_b, diff_html;
  auto* diff_cmd = app.add_subcommand(
      "diff", "Compare two runs' --json results cell by cell (e.g. sim against qemu): exit 0 when they agree");
  diff_cmd->add_option("first", diff_a, "A `shakedown run --json` file")->required();
  diff_cmd->add_option("second", diff_b, "Another, e.g. from another target")->required();
  diff_cmd->add_option("--html", diff_html, "Also write the comparison as one self-contained HTML page to this file");
  auto* boards_cmd = app.add_subcommand(
      "boards",
      "List attached boards (USB serial ports: port, VID:PID, serial number; ST-Links flagged); exit 4 if none");
  boards::FlashRequest flash_request;
  auto* flash_cmd = app.add_subcommand(
      "flash",
      "Program a firmware image into a NUCLEO board through its ST-Link (openocd or st-flash); exit 4 if none");
  flash_cmd->add_option("image", flash_request.image, "The image (.elf; st-flash takes the .bin beside it)")
      ->required();
  flash_cmd->add_option("--serial", flash_request.serial,
                        "The ST-Link's serial number (shakedown boards); required when several are attached");
  flash_cmd->add_option("--tool", flash_request.tool, "openocd or st-flash (default: openocd if installed)");
  flash_cmd->add_flag("--dry-run", flash_request.dry_run, "Choose the board and print the command, but do not run it");
  ExplainArgs explain_args;
  auto* explain_cmd = app.add_subcommand(
      "explain",
      "Read a device's Mbed TLS debug log and say what went wrong (exit 0 explained, 1 unexplained, 5 not a log)");
  explain_cmd->add_option("log", explain_args.log, "The log file, or - for standard input")->required();
  explain_cmd->add_flag("--json", explain_args.json, "Print the findings and the timeline as JSON");
  explain_cmd->add_option("--html", explain_args.html_out,
                          "Also write the explanation, with the log lines behind each finding, as one HTML page");
  explain_cmd->add_option("--scenario", explain_args.scenario_out,
                          "Write a scenario that reproduces the failure on the simulator to this file");
  cli::ConnectArgs connect_args;
  auto* connect_cmd = app.add_subcommand(
      "connect",
      "One handshake from a device build to a server you name, and what the client's side shows (exit 0 "
      "passed, 1 failed, 2 infrastructure error)");
  connect_cmd->add_option("server", connect_args.server, "HOST:PORT (an IPv4 address or a name)")->required();
  connect_cmd
      ->add_option("--target", connect_args.target, "Where the client runs: sim, qemu (through its relay), board")
      ->capture_default_str();
  connect_cmd->add_option("--mbedtls", connect_args.mbedtls_line, "The Mbed TLS line (2.28 or 3.6)")
      ->capture_default_str();
  connect_cmd->add_option("--config", connect_args.config_file,
                          "A device's own Mbed TLS config file instead of a profile, built on demand "
                          "(docs/configs.md)");
  connect_cmd->add_option("--profile", connect_args.profile, "The config profile (firmware/configs/NAME.h)")
      ->capture_default_str();
  connect_cmd->add_option("--ca", connect_args.ca_file,
                          "The device's trusted CA certificates (PEM or DER); without it the server is not verified");
  connect_cmd->add_option("--servername", connect_args.servername,
                          "The name sent as SNI and checked against the certificate (default: HOST when it is a name)");
  connect_cmd->add_flag("--no-servername", connect_args.no_servername, "Send no SNI and check no name");
  connect_cmd->add_option("--time", connect_args.time, "The device's clock: now, unset, or seconds since 1970")
      ->capture_default_str();
  connect_cmd->add_option("--request", connect_args.first_request,
                          "Sent once the handshake completes; one reply is read (at most 64 bytes)");
  connect_cmd->add_option("--timeout", connect_args.timeout_seconds, "Seconds for the whole exchange")
      ->check(CLI::Range(1u, 600u))
      ->capture_default_str();
  connect_cmd->add_option("--debug-level", connect_args.debug_level, "Mbed TLS debug level on the device, 0 to 4")
      ->check(CLI::Range(0, 4))
      ->capture_default_str();
  connect_cmd->add_flag("--json", connect_args.json, "Print the outcome and findings as JSON");
  connect_cmd->add_flag("--log", connect_args.show_log, "Print the device's log too");
  cli::ProbeArgs probe_args;
  auto* probe_cmd = app.add_subcommand(
      "probe",
      "What a live TLS server accepts and how it refuses, probed as a client one bounded handshake at a time "
      "(exit 0 probed, 2 nothing answered or interrupted)");
  probe_cmd->add_option("server", probe_args.server, "HOST:PORT (an IPv4 address or a name)")->required();
  probe_cmd->add_option("--servername", probe_args.servername, "The SNI to send (default: HOST when it is a name)");
  probe_cmd->add_option("--ca", probe_args.ca_file,
                        "The device's trusted CA file (PEM): say whether it anchors the server's chain, and let the "
                        "replica's device trust the replica's root only when it does");
  probe_cmd->add_option("--max-handshakes", probe_args.max_handshakes, "At most this many handshakes")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  probe_cmd->add_option("--timeout-ms", probe_args.timeout_ms, "For each connection and handshake")
      ->check(CLI::Range(100u, 600'000u))
      ->capture_default_str();
  probe_cmd->add_option("--json", probe_args.json_path, "Also write what was learned as JSON to this file");
  probe_cmd->add_option("--replica", probe_args.replica_path,
                        "Write a scenario whose server behaves as this one does, to run your device against offline");
  probe_cmd
      ->add_option("--profile", probe_args.profiles,
                   "The replica's profiles (firmware/configs/NAME.h), each expected to connect; may be repeated")
      ->capture_default_str();
  cli::CheckArgs check_args;
  auto* check_cmd = app.add_subcommand(
      "check",
      "The whole scenario catalogue against one device config: the servers it can and cannot talk to, by cause, "
      "each fix verified and priced (exit 0 it talks to every server a device should, 1 not)");
  check_cmd->add_option("--config", check_args.config_file, "The device's own Mbed TLS config file")->required();
  check_cmd->add_option("--mbedtls", check_args.mbedtls_lines, "Its Mbed TLS line or tree (default: guessed)");
  check_cmd->add_option("paths", check_args.paths, "Scenario files or folders (default: the catalogue, scenarios/)");
  check_cmd->add_option("-j,--jobs", check_args.jobs, "Cells run in parallel")->capture_default_str();
  check_cmd->add_option("--json", check_args.json_path, "Also write the summary as JSON to this file");
  cli::ConfigArgs config_args;
  auto* config_cmd = app.add_subcommand("config", "A device's own Mbed TLS config file, as shakedown builds it");
  config_cmd->require_subcommand(1);
  auto* config_show_cmd = config_cmd->add_subcommand(
      "show",
      "What the config keeps (every option that changes TLS behaviour), what the target's seams replace, and what "
      "differs from the line's defaults (exit 0 shown, 3 a file that does not preprocess)");
  config_show_cmd->add_option("file", config_args.file, "The config header: config.h, mbedtls_config.h, a CubeMX one")
      ->required();
  config_show_cmd->add_option("--mbedtls", config_args.mbedtls,
                              "Its Mbed TLS: a line this build has (2.28, 3.6) or a source tree's folder (default: "
                              "the line whose options it uses)");
  config_show_cmd->add_flag("--json", config_args.json, "Print it as JSON");
  config_show_cmd->add_option(
      "--profile-out", config_args.profile_out,
      "Also write the profile header: the delta over the line's defaults that shakedown builds");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kAllAsExpected : kUsage;
  }
  if (report_cmd->parsed()) return cli::report_command(report_dir);
  if (merge_cmd->parsed()) return cli::merge_command(merge_args);
  if (diff_cmd->parsed()) return diff(diff_a, diff_b, diff_html);
  if (boards_cmd->parsed()) return boards::list_boards_command(stdout, stderr);
  if (flash_cmd->parsed()) return boards::flash_command(flash_request, stdout, stderr);
  if (explain_cmd->parsed()) return explain_log(explain_args);
  if (connect_cmd->parsed()) {
    connect_args.mbedtls_named = connect_cmd->get_option("--mbedtls")->count() > 0;
    return cli::connect_command(connect_args);
  }
  if (probe_cmd->parsed()) return cli::probe_command(probe_args);
  if (config_show_cmd->parsed()) return cli::config_show_command(config_args);
  if (check_cmd->parsed()) return cli::check_command(check_args);
  return cli::run_command(args);
}

#include "sim_target.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "sim_builds.h"
#include "subprocess.h"

namespace shakedown::targets {
namespace {

using nlohmann::json;

template <typename T>
T field(const json& object, const char* section, const char* name) {
  auto it = object.find(name);
  if (it == object.end()) throw std::runtime_error(fmt::format("{}.{}: missing", section, name));
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    throw std::runtime_error(fmt::format("{}.{}: wrong type ({})", section, name, it->type_name()));
  }
}

}  // namespace

void parse_sim_output(const std::string& json_text, ClientReport& r, BuildFacts& b) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw std::runtime_error(fmt::format("not JSON: {}", e.what()));
  }
  const json& rep = doc.at("report");
  r.stage = field<std::string>(rep, "report", "stage");
  r.result = field<int32_t>(rep, "report", "result");
  r.result_name = field<std::string>(rep, "report", "result_name");
  r.result_text = field<std::string>(rep, "report", "result_text");
  r.failed_call = field<std::string>(rep, "report", "failed_call");
  r.handshake_state = field<int>(rep, "report", "handshake_state");
  r.verify_flags = field<uint32_t>(rep, "report", "verify_flags");
  r.version = field<std::string>(rep, "report", "version");
  r.suite = field<std::string>(rep, "report", "suite");
  r.suite_id = field<uint16_t>(rep, "report", "suite_id");
  r.offered_suites = field<std::vector<uint16_t>>(rep, "report", "offered_suites");
  r.duration_ms = field<uint32_t>(rep, "report", "duration_ms");

  const json& build = doc.at("build");
  b.mbedtls_version = field<std::string>(build, "build", "mbedtls_version");
  b.mbedtls_line = field<std::string>(build, "build", "mbedtls_line");
  b.profile = field<std::string>(build, "build", "profile");
  b.profile_hash = field<std::string>(build, "build", "profile_hash");
  b.mpi_max_size = field<size_t>(build, "build", "mpi_max_size");
  b.in_content_len = field<size_t>(build, "build", "in_content_len");
  b.out_content_len = field<size_t>(build, "build", "out_content_len");
  b.sha1 = field<bool>(build, "build", "sha1");
  b.sha256 = field<bool>(build, "build", "sha256");
  b.sha384 = field<bool>(build, "build", "sha384");
  b.rsa = field<bool>(build, "build", "rsa");
  b.ecdsa = field<bool>(build, "build", "ecdsa");
  b.tls1_2 = field<bool>(build, "build", "tls1_2");
  b.tls1_3 = field<bool>(build, "build", "tls1_3");
  b.ciphersuites = field<std::vector<uint16_t>>(build, "build", "ciphersuites");
}

SimTarget::SimTarget(std::filesystem::path build_dir) : build_dir_(std::move(build_dir)) {}

bool SimTarget::has_build(const std::string& mbedtls_line, const std::string& profile) const {
  return std::filesystem::exists(sim::sim_build_path(build_dir_, mbedtls_line, profile));
}

HandshakeOutcome SimTarget::handshake(const HandshakeRequest& req) const {
  HandshakeOutcome outcome;
  const auto exe = sim::sim_build_path(build_dir_, req.mbedtls_line, req.profile);
  auto run = process::run_process(
      {exe.string(), "handshake", "--server", fmt::format("{}:{}", req.server_address, req.server_port), "--ca",
       req.ca_file.string(), "--hostname", req.hostname, "--time", req.time, "--read-timeout-ms",
       std::to_string(req.read_timeout_ms)},
      req.deadline);
  outcome.device_log = run.err;
  if (!run.exited_cleanly()) {
    outcome.infrastructure_error = fmt::format("simulator {} {}", exe.filename().string(), run.describe());
    return outcome;
  }
  try {
    parse_sim_output(run.out, outcome.report, outcome.build);
  } catch (const std::exception& e) {
    outcome.infrastructure_error =
        fmt::format("simulator {} wrote an unreadable report: {}", exe.filename().string(), e.what());
  }
  return outcome;
}

}  // namespace shakedown::targets

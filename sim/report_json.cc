#include "report_json.h"

#include <fmt/format.h>

namespace shakedown::sim {

nlohmann::json to_json(const core::HandshakeReport& r) {
  nlohmann::json offered = nlohmann::json::array();
  for (size_t i = 0; i < r.offered_suite_count; ++i) offered.push_back(r.offered_suites[i]);
  return {
      {"stage", core::stage_name(r.stage)},
      {"result", r.result},
      {"result_hex", r.result < 0 ? fmt::format("-0x{:04x}", -static_cast<int64_t>(r.result)) : "0"},
      {"result_name", r.result_name},
      {"result_text", r.result_text},
      {"failed_call", r.failed_call},
      {"handshake_state", r.handshake_state},
      {"verify_flags", r.verify_flags},
      {"version", r.version},
      {"suite", r.suite},
      {"suite_id", r.suite_id},
      {"offered_suites", offered},
      {"duration_ms", r.duration_ms},
  };
}

nlohmann::json to_json(const core::BuildFacts& f) {
  return {
      {"mbedtls_version", f.mbedtls_version},
      {"mbedtls_line", f.mbedtls_line},
      {"profile", f.profile},
      {"profile_hash", f.profile_hash},
      {"mpi_max_size", f.mpi_max_size},
      {"in_content_len", f.in_content_len},
      {"out_content_len", f.out_content_len},
      {"sha1", f.sha1},
      {"sha256", f.sha256},
      {"sha384", f.sha384},
      {"rsa", f.rsa},
      {"ecdsa", f.ecdsa},
      {"tls1_2", f.tls1_2},
      {"tls1_3", f.tls1_3},
      {"ciphersuites", std::vector<int>(f.ciphersuites.begin(), f.ciphersuites.end())},
  };
}

}  // namespace shakedown::sim

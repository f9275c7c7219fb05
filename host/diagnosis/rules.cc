#include "rules.h"

#include <fmt/format.h>

#include <algorithm>

namespace shakedown::diagnosis {

std::vector<Rule> all_rules() {
  std::vector<Rule> out;
  for (auto family : {negotiation_rules(), trust_list_rules(), certificate_rules(), certificate_key_rules(),
                      resource_rules(), server_behaviour_rules(), log_only_rules(), pre_shared_key_rules()}) {
    out.insert(out.end(), family.begin(), family.end());
  }
  std::stable_sort(out.begin(), out.end(), [](const Rule& a, const Rule& b) { return a.band < b.band; });
  return out;
}

tls::MbedtlsLine mbedtls_line(const Evidence& e) {
  return tls::mbedtls_line_or_newest(e.build.mbedtls_line);
}

std::string version_macros(const Evidence& e) {
  return mbedtls_line(e).has_tls1_3 ? "MBEDTLS_SSL_PROTO_TLS1_2 / MBEDTLS_SSL_PROTO_TLS1_3"
                                    : "MBEDTLS_SSL_PROTO_TLS1_1 / MBEDTLS_SSL_PROTO_TLS1_2";
}

std::string version_calls(const Evidence& e) {
  return mbedtls_line(e).major >= 3 ? "mbedtls_ssl_conf_min_tls_version / mbedtls_ssl_conf_max_tls_version"
                                    : "mbedtls_ssl_conf_min_version / mbedtls_ssl_conf_max_version";
}

uint32_t magnitude(const device::ClientReport& c) {
  return c.result < 0 ? static_cast<uint32_t>(-c.result) : 0;
}

bool client_side_only(const Evidence& e) {
  return !e.server.known;
}

bool hash_enabled(const std::string& hash, const device::BuildFacts& b) {
  if (hash == "sha1") return b.sha1;
  if (hash == "sha256") return b.sha256;
  if (hash == "sha384") return b.sha384;
  return true;  // sha512: not tracked yet
}

std::string input_buffer_change(const Evidence& e, size_t size) {
  if (e.build.max_content_len == 0 || e.build.max_content_len >= size) {
    return fmt::format("#define MBEDTLS_SSL_IN_CONTENT_LEN {}", size);
  }
  return fmt::format(
      "#define MBEDTLS_SSL_MAX_CONTENT_LEN {0}, MBEDTLS_SSL_IN_CONTENT_LEN {0} and "
      "MBEDTLS_SSL_OUT_CONTENT_LEN {1}",
      size, e.build.out_content_len);
}

uint32_t verify_flags(const Evidence& e) {
  return e.client.verify_flags == 0xffffffffu ? 0 : e.client.verify_flags;
}

bool received_alert(const Evidence& e, uint8_t description) {
  return std::any_of(e.client.alerts_received.begin(), e.client.alerts_received.end(),
                     [&](const device::AlertSeen& a) { return a.description == description; });
}

std::string common_name(std::string_view dn) {
  const size_t at = dn.rfind("CN=");
  if (at == std::string_view::npos) return std::string(dn);
  std::string_view cn = dn.substr(at + 3);
  return std::string(cn.substr(0, cn.find_first_of(",/")));
}

const CertInfo* issuer_of_top(const Evidence& e) {
  if (e.client.peer_chain.empty()) return nullptr;
  const std::string issuer = common_name(e.client.peer_chain.back().issuer);
  if (issuer == common_name(e.client.peer_chain.back().subject)) return nullptr;  // self-signed: no issuer to find
  const CertInfo* found = nullptr;
  for (const auto& c : e.server.chain) {
    if (common_name(c.subject) == issuer && (c.sent_by_server() || c.trusted_by_client)) found = &c;
  }
  return found;
}

}  // namespace shakedown::diagnosis

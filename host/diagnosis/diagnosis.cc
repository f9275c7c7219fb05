#include "diagnosis.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <functional>

#include "mbedtls_codes.h"

namespace shakedown::diagnosis {
namespace {

using device::format_code;

// Mbed TLS's state while it waits for the ServerHello (same on both lines).
constexpr int kStateServerHello = 2;
constexpr size_t kMaxRecordContent = 16384;

uint32_t magnitude(const device::ClientReport& c) {
  return c.result < 0 ? static_cast<uint32_t>(-c.result) : 0;
}

std::string client_line(const Evidence& e) {
  const auto& c = e.client;
  return fmt::format("client: {} returned {} ({}) at {}, client state {}", c.failed_call, format_code(c.result),
                     c.result_name, c.stage, c.handshake_state);
}

std::string suite_label(uint16_t id) {
  auto name = servers::suite_name(id);
  return name.openssl_name.empty() ? fmt::format("{:04x}", id) : fmt::format("{:04x} ({})", id, name.openssl_name);
}

std::string suite_list(const std::vector<uint16_t>& ids) {
  std::vector<std::string> labels;
  for (auto id : ids) labels.push_back(suite_label(id));
  return fmt::format("{}", fmt::join(labels, ", "));
}

std::string hex_list(const std::vector<uint16_t>& ids) {
  std::vector<std::string> out;
  for (auto id : ids) out.push_back(fmt::format("{:04x}", id));
  return fmt::format("{}", fmt::join(out, " and "));
}

// The config macro that enables a signature hash on this build's line.
std::string hash_macro(const std::string& hash, const device::BuildFacts& b) {
  const bool v2 = b.mbedtls_line.starts_with("2.");
  if (hash == "sha1") return "MBEDTLS_SHA1_C";
  if (hash == "sha256") return "MBEDTLS_SHA256_C";
  if (hash == "sha384") return v2 ? "MBEDTLS_SHA512_C" : "MBEDTLS_SHA384_C";
  return "MBEDTLS_SHA512_C";
}

bool hash_enabled(const std::string& hash, const device::BuildFacts& b) {
  if (hash == "sha1") return b.sha1;
  if (hash == "sha256") return b.sha256;
  if (hash == "sha384") return b.sha384;
  return true;  // sha512: not tracked yet
}

std::string how_server_ended(const servers::ConnectionCapture& c) {
  switch (c.end) {
    case servers::ConnectionEnd::kFailedWithReset: return "it reset the connection instead of sending an alert";
    case servers::ConnectionEnd::kFailedWithClose: return "it closed the connection without an alert";
    case servers::ConnectionEnd::kFailedWithAlert: return "it sent an alert";
    default: return servers::connection_end_name(c.end);
  }
}

size_t next_buffer_size(size_t needed) {
  size_t size = 512;
  while (size < needed && size < kMaxRecordContent) size *= 2;
  return size;
}

using Rule = std::function<std::optional<Finding>(const Evidence&)>;

std::optional<Finding> ca_signature_hash_disabled(const Evidence& e) {
  if (e.client.stage != "load-trust" || e.client.high_part() != codes::kX509UnknownSigAlg ||
      e.client.low_part() != codes::kOidNotFound) {
    return std::nullopt;
  }
  for (const auto& cert : e.server.chain) {
    if (!cert.trusted_by_client || hash_enabled(cert.signature_hash, e.build)) continue;
    std::string macro = hash_macro(cert.signature_hash, e.build);
    return Finding{"ca-signature-hash-disabled",
                   fmt::format("The trusted CA '{}' is signed with {}, and {} is off in this build, so "
                               "mbedtls_x509_crt_parse cannot parse it ({}).",
                               cert.subject, cert.signature_algorithm, macro, format_code(e.client.result)),
                   {client_line(e), fmt::format("{}: signature {}; profile {}: {} not defined", cert.role,
                                                cert.signature_algorithm, e.build.profile, macro)},
                   fmt::format("#define {} in {}; better, trust a root signed with SHA-256.", macro, e.profile_file)};
  }
  return std::nullopt;
}

std::optional<Finding> rsa_key_too_large_for_mpi(const Evidence& e) {
  if (magnitude(e.client) != codes::kPkInvalidPubkey && e.client.high_part() != codes::kPkInvalidPubkey) {
    return std::nullopt;
  }
  const bool at_load = e.client.stage == "load-trust";
  const size_t max_bits = e.build.mpi_max_size * 8;
  for (const auto& cert : e.server.chain) {
    const bool reached_client = at_load ? cert.trusted_by_client : cert.sent_by_server;
    if (!reached_client || cert.key_type != "RSA" || static_cast<size_t>(cert.key_bits) <= max_bits) continue;
    return Finding{
        "rsa-key-too-large-for-mpi",
        fmt::format("The {} '{}' has an RSA-{} key, but MBEDTLS_MPI_MAX_SIZE is {} bytes ({}-bit numbers), so "
                    "Mbed TLS rejects the key as invalid ({}).",
                    cert.role, cert.subject, cert.key_bits, e.build.mpi_max_size, max_bits,
                    format_code(e.client.result)),
        {client_line(e), fmt::format("{}: {} {}-bit key; profile {}: MBEDTLS_MPI_MAX_SIZE {}", cert.role, cert.key_type,
                                     cert.key_bits, e.build.profile, e.build.mpi_max_size)},
        fmt::format("#define MBEDTLS_MPI_MAX_SIZE {} in {} (RSA-{} needs {} bytes).", cert.key_bits / 8, e.profile_file,
                    cert.key_bits, cert.key_bits / 8)};
  }
  return std::nullopt;
}

std::optional<Finding> record_too_large_for_input_buffer(const Evidence& e) {
  const uint32_t m = magnitude(e.client);
  if (e.client.stage != "handshake" || (m != codes::kSslBadInputData && m != codes::kSslInvalidRecord) ||
      !e.server.connection) {
    return std::nullopt;
  }
  const servers::RecordSent* big = e.server.connection->largest_record();
  if (big == nullptr || big->length <= e.build.in_content_len) return std::nullopt;
  const char* what = big->handshake_type >= 0 ? servers::handshake_type_name(big->handshake_type) : "a";
  size_t chain_bytes = 0, chain_count = 0;
  for (const auto& cert : e.server.chain) {
    if (cert.sent_by_server) chain_bytes += cert.der_size, ++chain_count;
  }
  return Finding{"record-too-large-for-input-buffer",
                 fmt::format("The server's {} record is {} bytes, but this build's input buffer holds {} "
                             "(MBEDTLS_SSL_IN_CONTENT_LEN), so the client drops it without an alert ({}).",
                             what, big->length, e.build.in_content_len, format_code(e.client.result)),
                 {client_line(e),
                  fmt::format("server: sent a {}-byte {} record; its chain is {} certificates, {} bytes", big->length,
                              what, chain_count, chain_bytes),
                  fmt::format("profile {}: MBEDTLS_SSL_IN_CONTENT_LEN {}", e.build.profile, e.build.in_content_len)},
                 fmt::format("#define MBEDTLS_SSL_IN_CONTENT_LEN {} in {}; or have the server send a shorter chain, or "
                             "negotiate a max fragment length if the server supports it.",
                             next_buffer_size(big->length), e.profile_file)};
}

std::optional<Finding> no_shared_ciphersuite(const Evidence& e) {
  if (e.client.stage != "handshake" || !e.server.connection || !e.server.connection->client_hello) {
    return std::nullopt;
  }
  const auto& conn = *e.server.connection;
  std::vector<uint16_t> offered;
  for (auto id : conn.client_hello->cipher_suites) {
    if (!servers::is_signalling_suite(id)) offered.push_back(id);
  }
  std::vector<uint16_t> accepted;
  for (const auto& s : e.server.accepted_suites) accepted.push_back(s.id);
  const bool shared = std::any_of(offered.begin(), offered.end(), [&](uint16_t id) {
    return std::find(accepted.begin(), accepted.end(), id) != accepted.end();
  });
  if (shared && conn.verdict.find("no shared cipher") == std::string::npos) return std::nullopt;
  if (accepted.empty()) return std::nullopt;

  const auto& wanted = e.server.accepted_suites.front();
  std::vector<std::string> accepted_names;
  for (const auto& s : e.server.accepted_suites) accepted_names.push_back(s.openssl_name);
  return Finding{"no-shared-ciphersuite",
                 fmt::format("The server accepts only {} but the client offered only {}; {}.",
                             fmt::join(accepted_names, ", "), hex_list(offered), how_server_ended(conn)),
                 {client_line(e), fmt::format("server: the ClientHello offered {}", suite_list(offered)),
                  fmt::format("server: OpenSSL's verdict: {}", conn.verdict.empty() ? "none" : conn.verdict),
                  fmt::format("server: accepts {}", suite_list(accepted))},
                 fmt::format("Add MBEDTLS_{} to MBEDTLS_SSL_CIPHERSUITES in {}.", wanted.iana_name, e.profile_file)};
}

std::optional<Finding> rejected_after_client_hello(const Evidence& e) {
  const uint32_t m = magnitude(e.client);
  if (e.client.stage != "handshake" || e.client.handshake_state > kStateServerHello ||
      (m != codes::kNetConnReset && m != codes::kSslConnEof)) {
    return std::nullopt;
  }
  const bool reset = m == codes::kNetConnReset;
  Finding f{reset ? "connection-reset-after-client-hello" : "connection-closed-after-client-hello",
            fmt::format("The server {} the connection right after the ClientHello, without an alert: it rejected "
                        "something in it (suites, version, SNI or an extension).",
                        reset ? "reset" : "closed"),
            {client_line(e)},
            "Compare the ClientHello with what the server accepts; the server's own log or capture names the cause."};
  if (e.server.connection && !e.server.connection->verdict.empty()) {
    f.evidence.push_back(fmt::format("server: OpenSSL's verdict: {}", e.server.connection->verdict));
  }
  return f;
}

std::optional<Finding> handshake_timeout(const Evidence& e) {
  if (magnitude(e.client) != codes::kSslTimeout) return std::nullopt;
  return Finding{"handshake-timeout",
                 fmt::format("The server went silent: no answer within the read timeout, in client state {}.",
                             e.client.handshake_state),
                 {client_line(e)},
                 "Keep a read timeout configured on the device (mbedtls_ssl_conf_read_timeout) so a silent server "
                 "ends in an error instead of a hang; then find why the server stalls."};
}

const std::vector<Rule>& rules() {
  static const std::vector<Rule> kRules = {
      ca_signature_hash_disabled, rsa_key_too_large_for_mpi,   record_too_large_for_input_buffer,
      no_shared_ciphersuite,      rejected_after_client_hello, handshake_timeout,
  };
  return kRules;
}

}  // namespace

std::vector<Finding> diagnose(const Evidence& e) {
  std::vector<Finding> findings;
  for (const auto& rule : rules()) {
    if (auto f = rule(e)) findings.push_back(std::move(*f));
  }
  if (findings.empty() && !e.client.passed()) {
    findings.push_back({"unexplained",
                        fmt::format("No rule explains this failure: {} returned {} ({}) at {}.", e.client.failed_call,
                                    format_code(e.client.result), e.client.result_name, e.client.stage),
                        {client_line(e)},
                        "Read the device log and the server capture; then add a rule and a scenario for it."});
  }
  return findings;
}

}  // namespace shakedown::diagnosis

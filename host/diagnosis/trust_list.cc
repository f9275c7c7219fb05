// Trust-list rules: a CA certificate the build cannot even parse because
// its signature algorithm is left out of the build, by its hash or by its
// key type. Mbed TLS knows a signature OID only with both (oid.c), and
// mbedtls_x509_crt_parse fails with UNKNOWN_SIG_ALG + OID_NOT_FOUND. Both
// causes can hold at once; each is its own finding with its own fix.

#include <fmt/format.h>

#include <string_view>

#include "mbedtls_codes.h"
#include "rules.h"
#include "wording.h"

namespace shakedown::diagnosis {
namespace {

using device::format_code;

bool trust_list_unparsed(const Evidence& e) {
  return e.client.stage == tls::Stage::kLoadTrust && e.client.high_part() == codes::kX509UnknownSigAlg &&
         e.client.low_part() == codes::kOidNotFound;
}

// The module a signature algorithm's key type needs, when this build lacks it.
std::optional<std::string_view> missing_signature_module(const CertInfo& cert, const device::BuildFacts& b) {
  const std::string& alg = cert.signature_algorithm;
  if (alg.find("RSA") != std::string::npos && !b.rsa) return "MBEDTLS_RSA_C";
  if (alg.starts_with("ecdsa") && !b.ecdsa) return "MBEDTLS_ECDSA_C";
  return std::nullopt;
}

std::optional<Finding> ca_signature_key_type_disabled(const Evidence& e) {
  if (!trust_list_unparsed(e)) return std::nullopt;
  for (const auto& cert : e.server.chain) {
    const auto module = cert.trusted_by_client ? missing_signature_module(cert, e.build) : std::nullopt;
    if (!module) continue;
    const bool rsa = *module == "MBEDTLS_RSA_C";
    return Finding{
        FindingId::kCaSignatureKeyTypeDisabled,
        fmt::format("The trusted CA '{}' is signed with {}, and {} is off in this build, so mbedtls_x509_crt_parse "
                    "does not know the signature algorithm and cannot parse it ({}).",
                    cert.subject, cert.signature_algorithm, *module, format_code(e.client.result)),
        {client_line(e), fmt::format("{}: signature {}; profile {}: {} not defined", cert.role,
                                     cert.signature_algorithm, e.build.profile, *module)},
        rsa ? fmt::format("#define MBEDTLS_RSA_C and MBEDTLS_PKCS1_V15 in {}; or trust a root signed with ECDSA, "
                          "the key type this build has.",
                          e.profile_file)
            : fmt::format("#define MBEDTLS_ECDSA_C in {}; or trust a root signed with RSA, the key type this build "
                          "has.",
                          e.profile_file)};
  }
  return std::nullopt;
}

std::optional<Finding> ca_signature_hash_disabled(const Evidence& e) {
  if (!trust_list_unparsed(e)) return std::nullopt;
  for (const auto& cert : e.server.chain) {
    if (!cert.trusted_by_client || hash_enabled(cert.signature_hash, e.build)) continue;
    const std::string macro(mbedtls_line(e).hash_macro(cert.signature_hash));
    return Finding{FindingId::kCaSignatureHashDisabled,
                   fmt::format("The trusted CA '{}' is signed with {}, and {} is off in this build, so "
                               "mbedtls_x509_crt_parse cannot parse it ({}).",
                               cert.subject, cert.signature_algorithm, macro, format_code(e.client.result)),
                   {client_line(e), fmt::format("{}: signature {}; profile {}: {} not defined", cert.role,
                                                cert.signature_algorithm, e.build.profile, macro)},
                   fmt::format("#define {} in {}; better, trust a root signed with SHA-256.", macro, e.profile_file)};
  }
  return std::nullopt;
}

}  // namespace

std::span<const Rule> trust_list_rules() {
  static constexpr Rule kRules[] = {
      {"ca_signature_key_type_disabled",
       Band::kTrustLoad,
       Sources::kRun,
       {FindingId::kCaSignatureKeyTypeDisabled},
       one<ca_signature_key_type_disabled>},
      {"ca_signature_hash_disabled",
       Band::kTrustLoad,
       Sources::kRun,
       {FindingId::kCaSignatureHashDisabled},
       one<ca_signature_hash_disabled>},
  };
  return kRules;
}

}  // namespace shakedown::diagnosis

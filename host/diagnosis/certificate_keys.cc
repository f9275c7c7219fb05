// Certificate keys the build cannot take: an RSA key larger than its
// bignums, an EC key on a curve it leaves out. Both fail before any
// signature is checked, as the certificate is parsed.

#include <fmt/format.h>

#include <string_view>

#include "mbedtls_codes.h"
#include "rules.h"
#include "wording.h"

namespace shakedown::diagnosis {
namespace {

using device::format_code;

std::optional<Finding> rsa_key_too_large_for_mpi(const Evidence& e) {
  if (magnitude(e.client) != codes::kPkInvalidPubkey && e.client.high_part() != codes::kPkInvalidPubkey) {
    return std::nullopt;
  }
  const bool at_load = e.client.stage == tls::Stage::kLoadTrust;
  const size_t max_bits = e.build.mpi_max_size * 8;
  for (const auto& cert : e.server.chain) {
    const bool reached_client = at_load ? cert.trusted_by_client : cert.sent_by_server();
    if (!reached_client || cert.key_type != "RSA" || static_cast<size_t>(cert.key_bits) <= max_bits) continue;
    return Finding{
        FindingId::kRsaKeyTooLargeForMpi,
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

// A certificate whose EC key is on a curve the build leaves out does not
// parse (MBEDTLS_ERR_PK_UNKNOWN_NAMED_CURVE). With the server's chain known,
// the curve is named; from the client's side alone, the code says enough.
std::optional<Finding> server_key_curve_disabled(const Evidence& e) {
  if (e.client.high_part() != codes::kPkUnknownNamedCurve && magnitude(e.client) != codes::kPkUnknownNamedCurve) {
    return std::nullopt;
  }
  const bool at_load = e.client.stage == tls::Stage::kLoadTrust;
  const CertInfo* ec = nullptr;
  for (const auto& cert : e.server.chain) {
    const bool reached_client = at_load ? cert.trusted_by_client : cert.sent_by_server();
    if (reached_client && cert.key_type == "EC" && cert.key_bits != 256) ec = &cert;
  }
  const std::string_view macro = ec == nullptr         ? "MBEDTLS_ECP_DP_<curve>_ENABLED"
                                 : ec->key_bits == 384 ? "MBEDTLS_ECP_DP_SECP384R1_ENABLED"
                                 : ec->key_bits == 521 ? "MBEDTLS_ECP_DP_SECP521R1_ENABLED"
                                                       : "MBEDTLS_ECP_DP_<curve>_ENABLED";
  const std::string which = ec != nullptr
                                ? fmt::format("The {} '{}' has an EC {}-bit key", ec->role, ec->subject, ec->key_bits)
                                : std::string(at_load ? "A trusted CA certificate has an EC key"
                                                      : "The server's certificate has an "
                                                        "EC key");
  return Finding{FindingId::kServerKeyTypeDisabled,
                 fmt::format("{} on a curve this build leaves out, so Mbed TLS cannot parse it ({}: unknown named "
                             "curve).",
                             which, format_code(e.client.result)),
                 {client_line(e)},
                 fmt::format("#define {} in {} (the certificate's curve); or have the server use a certificate on a "
                             "curve the device has.",
                             macro, e.profile_file)};
}

}  // namespace

std::span<const Rule> certificate_key_rules() {
  static constexpr Rule kRules[] = {
      {"rsa_key_too_large_for_mpi",
       Band::kKeySize,
       Sources::kRun,
       {FindingId::kRsaKeyTooLargeForMpi},
       one<rsa_key_too_large_for_mpi>},
      {"server_key_curve_disabled",
       Band::kKeySize,
       Sources::kRunOrLog,
       {FindingId::kServerKeyTypeDisabled},
       one<server_key_curve_disabled>},
  };
  return kRules;
}

}  // namespace shakedown::diagnosis

// Log-only rules (`shakedown explain`): they read only what a device's own
// debug log shows, and word their findings so; diagnose() applies them only
// when nothing is known of the server.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "mbedtls_codes.h"
#include "rules.h"
#include "wording.h"

namespace shakedown::diagnosis {
namespace {

using device::format_code;

bool alloc_failed(const device::ClientReport& c) {
  const uint32_t high = c.high_part(), low = c.low_part();
  return high == codes::kSslAllocFailed || high == codes::kX509AllocFailed || high == codes::kPkAllocFailed ||
         high == codes::kEcpAllocFailed || low == codes::kMpiAllocFailed ||
         c.result_name.find("ALLOC_FAILED") != std::string::npos;
}

// Where the log prints no heap figures: it comes before the generic
// heap_exhausted (its band is earlier), which gives them where it does;
// diagnose() keeps one finding per cause.
std::optional<Finding> heap_exhausted_from_log(const Evidence& e) {
  if (e.client.passed() || !alloc_failed(e.client) || e.client.heap_budget > 0) return std::nullopt;
  return Finding{FindingId::kHeapExhausted,
                 fmt::format("Mbed TLS ran out of heap: an allocation failed in {} ({}).", e.client.failed_call,
                             format_code(e.client.result)),
                 {client_line(e)},
                 fmt::format("Give Mbed TLS more heap (its peak on a passing handshake, measured with `shakedown "
                             "run`), or shrink MBEDTLS_SSL_IN_CONTENT_LEN / MBEDTLS_SSL_OUT_CONTENT_LEN in {}.",
                             e.profile_file)};
}

std::optional<Finding> ca_signature_hash_disabled_from_log(const Evidence& e) {
  if (e.client.stage != tls::Stage::kLoadTrust || e.client.high_part() != codes::kX509UnknownSigAlg ||
      e.client.low_part() != codes::kOidNotFound) {
    return std::nullopt;
  }
  return Finding{FindingId::kCaSignatureHashDisabled,
                 fmt::format("A CA certificate the device trusts is signed with a hash this build does not have, so "
                             "mbedtls_x509_crt_parse cannot parse it ({}: unknown signature algorithm, OID not "
                             "found); most often a SHA-1 root with MBEDTLS_SHA1_C off, else a root signed with "
                             "RSA in a build without MBEDTLS_RSA_C (an ECDSA-only one): the CA's signature "
                             "algorithm (`openssl x509 -noout -text`) tells which.",
                             format_code(e.client.result)),
                 {client_line(e)},
                 fmt::format("Enable the CA's signature hash in {} (#define {} for a SHA-1 root), or better, trust "
                             "a root signed with SHA-256.",
                             e.profile_file, mbedtls_line(e).hash_macro("sha1"))};
}

std::optional<Finding> rsa_key_too_large_from_log(const Evidence& e) {
  if (magnitude(e.client) != codes::kPkInvalidPubkey && e.client.high_part() != codes::kPkInvalidPubkey) {
    return std::nullopt;
  }
  int bits = 0;
  for (const auto& c : e.client.peer_chain) {
    if (c.key_type == "RSA") bits = std::max(bits, c.key_bits);
  }
  // The premise, when the log shows both numbers: the key is larger than they allow.
  if (bits > 0 && e.build.mpi_max_size > 0 && static_cast<size_t>(bits) <= e.build.mpi_max_size * 8) {
    return std::nullopt;
  }
  const std::string where =
      e.client.stage == tls::Stage::kLoadTrust ? "a trusted CA certificate" : "the server's certificate";
  return Finding{FindingId::kRsaKeyTooLargeForMpi,
                 fmt::format("Mbed TLS rejects the RSA key of {} as invalid ({}): the key is larger than "
                             "MBEDTLS_MPI_MAX_SIZE allows{}.",
                             where, format_code(e.client.result),
                             bits > 0 ? fmt::format(" (an RSA-{} key needs {} bytes)", bits, bits / 8)
                                      : " (an RSA-4096 key needs 512 bytes)"),
                 {client_line(e)},
                 fmt::format("#define MBEDTLS_MPI_MAX_SIZE {} in {} (the default 1024 fits RSA-8192).",
                             bits > 0 ? bits / 8 : 512, e.profile_file)};
}

// Records the input buffer cannot hold: Mbed TLS logs "requesting more data
// than fits" and fails with BAD_INPUT_DATA, or a too-long record with
// INVALID_RECORD.
std::optional<Finding> record_too_large_from_log(const Evidence& e) {
  const uint32_t m = magnitude(e.client);
  const bool overflow = e.log != nullptr && e.log->input_overflow;
  if (e.client.stage != tls::Stage::kHandshake || (m != codes::kSslBadInputData && m != codes::kSslInvalidRecord) ||
      (e.client.largest_record_received <= 512 && !overflow) || (e.log != nullptr && e.log->reassembling)) {
    return std::nullopt;
  }
  const uint32_t size = e.client.largest_record_received;
  // The premise, when the log shows both numbers: the record is larger than the buffer.
  if (size > 0 && e.build.in_content_len > 0 && size <= e.build.in_content_len && !overflow) return std::nullopt;
  const std::string record = size > 0 ? fmt::format("{}-byte", size) : "larger";
  const bool asked_mfl = e.log != nullptr && e.log->client_hello && e.log->client_hello->max_fragment_length != 0;
  if (asked_mfl) {
    return Finding{FindingId::kMaxFragmentLengthNotHonoured,
                   fmt::format("The client asked for small records (max fragment length), but the server sent a "
                               "{} record anyway, larger than the client's input buffer ({}).",
                               record, format_code(e.client.result)),
                   {client_line(e), fmt::format("client: received a {} record than its buffer holds", record)},
                   fmt::format("The server does not honour max fragment length: size the input buffer for its "
                               "largest record (MBEDTLS_SSL_IN_CONTENT_LEN{} in {}), or have the server send a "
                               "shorter chain.",
                               size > 0 ? fmt::format(" {}", next_buffer_size(size)) : "", e.profile_file)};
  }
  return Finding{
      FindingId::kRecordTooLargeForInputBuffer,
      fmt::format("The server sent a {} {} record, larger than this build's input buffer "
                  "(MBEDTLS_SSL_IN_CONTENT_LEN), so the client drops it without an alert ({}).",
                  size > 0 ? fmt::format("{}-byte", size) : "too large a",
                  e.client.largest_record_handshake_type >= 0
                      ? tls::handshake_type_name(static_cast<uint8_t>(e.client.largest_record_handshake_type))
                  : waiting_for(e.client.handshake_state).find("Certificate") != std::string::npos ? "Certificate"
                                                                                                   : "handshake",
                  format_code(e.client.result)),
      {client_line(e),
       size > 0 ? fmt::format("client: received a {}-byte record {}", size, waiting_for(e.client.handshake_state))
                : "client: \"requesting more data than fits\" " + waiting_for(e.client.handshake_state)},
      size > 0 ? fmt::format("{} in {}; or have the server send a shorter chain.",
                             input_buffer_change(e, next_buffer_size(size)), e.profile_file)
               : fmt::format("Raise MBEDTLS_SSL_IN_CONTENT_LEN in {} to the server's largest record (its "
                             "Certificate message; `shakedown run` on the reproducer measures it), or "
                             "have the server send a shorter chain.",
                             e.profile_file)};
}

// Handshake records too small for Mbed TLS: a record shorter than a
// handshake header (INVALID_RECORD) or, on 2.x, a message split over records
// (FEATURE_UNAVAILABLE).
std::optional<Finding> handshake_fragmented_from_log(const Evidence& e) {
  const uint32_t m = magnitude(e.client);
  if (e.client.stage != tls::Stage::kHandshake || e.client.records_received == 0) return std::nullopt;
  const bool tiny = m == codes::kSslInvalidRecord &&
                    (e.client.largest_record_received < 4 || (e.log != nullptr && e.log->message_too_short));
  const bool split = m == codes::kSslFeatureUnavailable && (mbedtls_line(e).rejects_fragmented_handshake ||
                                                            (e.log != nullptr && e.log->fragmentation_unsupported));
  if (!tiny && !split) return std::nullopt;
  return Finding{FindingId::kHandshakeMessageFragmented,
                 tiny ? fmt::format("The server sends handshake records smaller than a handshake message's 4-byte "
                                    "header, and Mbed TLS rejects them ({}).",
                                    format_code(e.client.result))
                      : fmt::format("The server splits a handshake message over several records, and Mbed TLS {} "
                                    "cannot reassemble it ({}).",
                                    e.build.mbedtls_line, format_code(e.client.result)),
                 {client_line(e), fmt::format("client: {} records received, the largest {} bytes",
                                              e.client.records_received, e.client.largest_record_received)},
                 "Have the server send each handshake message in one record; Mbed TLS 3.6 reassembles messages "
                 "split over records, but no version accepts a split header."};
}

std::optional<Finding> server_cert_hash_from_log(const Evidence& e) {
  if (e.client.passed()) return std::nullopt;
  const uint32_t flags = verify_flags(e);
  if ((flags & (codes::kBadCertNotTrusted | codes::kBadCertBadMd)) == 0) return std::nullopt;
  for (const auto& c : e.client.peer_chain) {
    if (c.signature_md != "sha1" && c.signature_md != "md5") continue;
    return Finding{FindingId::kServerCertSignatureHashRejected,
                   fmt::format("The server's certificate '{}' is signed with {}, which this client's verify profile "
                               "rejects, so the chain does not verify ({}).",
                               c.subject, c.signature_md, format_code(e.client.result)),
                   {client_line(e),
                    fmt::format("client: certificate #{} '{}' signed with {}", c.depth + 1, c.subject, c.signature_md)},
                   "Have the server use a chain signed with SHA-256 or better; allowing SHA-1 in the device's "
                   "verify profile (mbedtls_ssl_conf_cert_profile) weakens every connection."};
  }
  return std::nullopt;
}

std::optional<Finding> client_certificate_finding(const Evidence& e, const std::string& how);

std::optional<Finding> client_certificate_required_from_log(const Evidence& e) {
  if (e.client.alerts_received.empty()) return std::nullopt;
  const uint8_t alert = e.client.alerts_received.back().description;
  const bool tls13 = alert == codes::kAlertCertificateRequired;
  const bool tls12 = alert == 40 && e.client.handshake_state >= 7;  // after the client's flight
  if (!tls13 && !tls12) return std::nullopt;
  return client_certificate_finding(e, fmt::format("answered with alert {} ({})", alert, tls::alert_name(alert)));
}

// TLS 1.2: the server asked for a certificate, the client sent an empty one,
// and the server dropped the connection during the client's flight.
std::optional<Finding> client_certificate_dropped_from_log(const Evidence& e) {
  const uint32_t m = magnitude(e.client);
  if (e.log == nullptr || !e.log->certificate_requested) return std::nullopt;
  // TLS 1.2: during the client's flight; TLS 1.3: at the first exchange
  // after a handshake in which the client sent no certificate.
  const bool in_flight = e.client.handshake_state >= 7 && e.client.handshake_state <= 13;
  const bool at_first_exchange = e.client.stage == tls::Stage::kExchange && e.log->sent_no_certificate;
  if (e.client.passed() || !(in_flight || at_first_exchange) ||
      (m != codes::kNetConnReset && m != codes::kSslConnEof)) {
    return std::nullopt;
  }
  return client_certificate_finding(e, m == codes::kNetConnReset ? "reset the connection" : "closed the connection");
}

std::optional<Finding> client_certificate_finding(const Evidence& e, const std::string& how) {
  return Finding{
      FindingId::kClientCertificateRequired,
      fmt::format("The server requires a client certificate (mutual TLS) and the device sent none; it {}.", how),
      {client_line(e), fmt::format("client: the server {} {}", how,
                                   e.client.stage == tls::Stage::kExchange ? "after the handshake, to the first request"
                                                                           : waiting_for(e.client.handshake_state))},
      "Give the device a certificate and key the server's CA issued (mbedtls_ssl_conf_own_cert), or turn "
      "off client authentication on the server."};
}

std::optional<Finding> protocol_version_from_log(const Evidence& e) {
  if (e.client.passed() ||
      (!received_alert(e, codes::kAlertProtocolVersion) && magnitude(e.client) != codes::kSslBadProtocolVersion)) {
    return std::nullopt;
  }
  std::vector<std::string> versions;
  if (e.log != nullptr && e.log->client_hello) {
    // A ClientHello without supported_versions offers up to its legacy
    // version, down to the oldest its line has (3.x: TLS 1.2).
    const tls::MbedtlsLine line = tls::mbedtls_line_or_newest(e.build.mbedtls_line);
    for (auto v : offered_versions(*e.log->client_hello)) {
      const auto version = tls::version_from_wire(v);
      if (!e.build.mbedtls_line.empty() && version && !line.can_offer(*version)) continue;
      versions.push_back(tls::prose_name(v));
    }
  }
  const std::string offered = versions.empty() ? "" : fmt::format(" (it offered {})", fmt::join(versions, ", "));
  return Finding{FindingId::kProtocolVersionMismatch,
                 received_alert(e, codes::kAlertProtocolVersion)
                     ? fmt::format("The server accepts none of the TLS versions the client offered{}: it answered "
                                   "protocol_version (70).",
                                   offered)
                     : fmt::format("The server chose a TLS version the client does not allow{} ({}).", offered,
                                   format_code(e.client.result)),
                 {client_line(e)},
                 fmt::format("Make the versions overlap: enable the server's version on the device ({} in {}, "
                             "{}), or let the server accept the device's.",
                             version_macros(e), e.profile_file, version_calls(e))};
}

// 3.6 reassembles a handshake message split over records in its input
// buffer: a message larger than the buffer fails there.
std::optional<Finding> handshake_message_too_large_from_log(const Evidence& e) {
  const uint32_t m = magnitude(e.client);
  if (e.log == nullptr || e.client.stage != tls::Stage::kHandshake || m != codes::kSslBadInputData ||
      !(e.log->largest_handshake_message > e.client.largest_record_received ||
        (e.log->reassembling && e.log->input_overflow))) {
    return std::nullopt;
  }
  const size_t size = e.log->largest_handshake_message > 0 ? e.log->largest_handshake_message + 4 : 0;
  return Finding{FindingId::kHandshakeMessageTooLargeForInputBuffer,
                 fmt::format("The server's handshake message{} arrives split over records, but Mbed TLS reassembles a "
                             "handshake message in its input buffer, which is smaller, so it fails ({}).",
                             size > 0 ? fmt::format(" of {} bytes", size) : "", format_code(e.client.result)),
                 {client_line(e),
                  "client: reassembling a handshake message from records, then \"requesting more data "
                  "than fits\""},
                 fmt::format("Raise MBEDTLS_SSL_IN_CONTENT_LEN in {}{}, or have the server send a shorter chain; a "
                             "smaller max fragment length cannot save this buffer.",
                             e.profile_file, size > 0 ? fmt::format(" to {}", next_buffer_size(size)) : "")};
}

// The certificate starts in the future and the log does not show the
// clock: on a device that is most often a clock never set.
std::optional<Finding> clock_unset_from_log(const Evidence& e) {
  if (e.log == nullptr || e.log->clock_known || (verify_flags(e) & codes::kBadCertFuture) == 0) {
    return std::nullopt;
  }
  return Finding{FindingId::kCertNotYetValidClockUnset,
                 "The server's certificate is not valid yet by the client's clock; the log does not show the clock "
                 "(TLS 1.3 ClientHellos carry no time), and on a device the usual cause is a clock never set.",
                 {client_line(e), "client: verify flag MBEDTLS_X509_BADCERT_FUTURE"},
                 "Set the device clock before the handshake (SNTP, or an RTC), or build without MBEDTLS_HAVE_TIME_DATE "
                 "to skip validity checks, at the cost of accepting expired certificates."};
}

// A chain that does not verify may also hold a certificate signed with a
// hash the verify profile rejects; Mbed TLS logs only the leaf, so the log
// cannot rule it out.
std::optional<Finding> untrusted_or_hash_from_log(const Evidence& e) {
  if (e.client.passed() || (verify_flags(e) & codes::kBadCertNotTrusted) == 0) {
    return std::nullopt;
  }
  return Finding{FindingId::kServerCertSignatureHashRejected,
                 "Or: a certificate the server sent (an intermediate, which Mbed TLS does not log) is signed with a "
                 "hash the client's verify profile rejects (SHA-1), and the chain does not verify for that.",
                 {client_line(e)},
                 "Check the server's chain (openssl s_client -showcerts); replace any SHA-1-signed certificate."};
}

// Mbed TLS 3.x with TLS 1.3 on offers RSA-PSS, and its TLS 1.2 code then
// rejects a ServerKeyExchange signed with it (illegal_parameter).
std::optional<Finding> pss_rejected_from_log(const Evidence& e) {
  const bool sent_illegal_parameter = std::any_of(e.client.alerts_sent.begin(), e.client.alerts_sent.end(),
                                                  [](const device::AlertSeen& a) { return a.description == 47; });
  if (e.client.passed() || magnitude(e.client) != 0x6600 || e.client.handshake_state != 4 || !sent_illegal_parameter ||
      !mbedtls_line(e).tls12_rejects_offered_rsa_pss) {
    return std::nullopt;
  }
  return Finding{FindingId::kNoSharedSignatureAlgorithm,
                 fmt::format("The TLS 1.2 server signed its ServerKeyExchange with a scheme Mbed TLS {} offered but "
                             "its TLS 1.2 code rejects (RSA-PSS, offered because TLS 1.3 is enabled): the client "
                             "sent illegal_parameter ({}).",
                             e.build.mbedtls_line, format_code(e.client.result)),
                 {client_line(e), "client: sent illegal_parameter (47) on the ServerKeyExchange (client state 4)"},
                 "Have the server allow rsa_pkcs1_sha256 over TLS 1.2, or TLS 1.3; the offer-then-reject is a known "
                 "Mbed TLS issue (Mbed-TLS/mbedtls#10668)."};
}

}  // namespace

std::span<const Rule> log_only_rules() {
  static constexpr Rule kRules[] = {
      {"ca_signature_hash_disabled_from_log",
       Band::kTrustLoadFromLog,
       Sources::kLog,
       {FindingId::kCaSignatureHashDisabled},
       one<ca_signature_hash_disabled_from_log>},
      {"rsa_key_too_large_from_log",
       Band::kKeySizeFromLog,
       Sources::kLog,
       {FindingId::kRsaKeyTooLargeForMpi},
       one<rsa_key_too_large_from_log>},
      {"heap_exhausted_from_log",
       Band::kFromLog,
       Sources::kLog,
       {FindingId::kHeapExhausted},
       one<heap_exhausted_from_log>},
      {"record_too_large_from_log",
       Band::kFromLog,
       Sources::kLog,
       {FindingId::kRecordTooLargeForInputBuffer, FindingId::kMaxFragmentLengthNotHonoured},
       one<record_too_large_from_log>},
      {"handshake_fragmented_from_log",
       Band::kFromLog,
       Sources::kLog,
       {FindingId::kHandshakeMessageFragmented},
       one<handshake_fragmented_from_log>},
      {"server_cert_hash_from_log",
       Band::kFromLog,
       Sources::kLog,
       {FindingId::kServerCertSignatureHashRejected},
       one<server_cert_hash_from_log>},
      {"client_certificate_required_from_log",
       Band::kFromLog,
       Sources::kLog,
       {FindingId::kClientCertificateRequired},
       one<client_certificate_required_from_log>},
      {"client_certificate_dropped_from_log",
       Band::kFromLog,
       Sources::kLog,
       {FindingId::kClientCertificateRequired},
       one<client_certificate_dropped_from_log>},
      {"protocol_version_from_log",
       Band::kFromLog,
       Sources::kLog,
       {FindingId::kProtocolVersionMismatch},
       one<protocol_version_from_log>},
      {"handshake_message_too_large_from_log",
       Band::kFromLog,
       Sources::kLog,
       {FindingId::kHandshakeMessageTooLargeForInputBuffer},
       one<handshake_message_too_large_from_log>},
      {"clock_unset_from_log",
       Band::kFromLog,
       Sources::kLog,
       {FindingId::kCertNotYetValidClockUnset},
       one<clock_unset_from_log>},
      {"pss_rejected_from_log",
       Band::kFromLog,
       Sources::kLog,
       {FindingId::kNoSharedSignatureAlgorithm},
       one<pss_rejected_from_log>},
      {"untrusted_or_hash_from_log",
       Band::kCertificateAlternativeFromLog,
       Sources::kLog,
       {FindingId::kServerCertSignatureHashRejected},
       one<untrusted_or_hash_from_log>},
  };
  return kRules;
}

}  // namespace shakedown::diagnosis

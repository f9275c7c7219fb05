// Resource rules: the heap running out, and records or handshake messages
// the input buffer cannot hold, fragment or reassemble (max fragment length,
// fragmentation).

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdint>

#include "mbedtls_codes.h"
#include "rules.h"
#include "wording.h"

namespace shakedown::diagnosis {
namespace {

using device::format_code;

// The largest handshake message the server sent, without its 4-byte header.
size_t largest_server_message(const std::vector<servers::HandshakeMessage>& transcript) {
  size_t out = 0;
  for (const auto& m : transcript) {
    if (m.from_server) out = std::max(out, m.length);
  }
  return out;
}

std::optional<Finding> heap_exhausted(const Evidence& e) {
  if (e.client.passed() || e.client.result_name.find("ALLOC_FAILED") == std::string::npos) return std::nullopt;
  // The numbers only when the report has them (a log may not).
  const bool measured = e.client.heap_budget > 0;
  return Finding{
      FindingId::kHeapExhausted,
      measured ? fmt::format("Mbed TLS ran out of heap: the handshake reached {} bytes of a {}-byte budget, "
                             "and an allocation failed ({}).",
                             e.client.heap_peak, e.client.heap_budget, format_code(e.client.result))
               : fmt::format("Mbed TLS ran out of heap: an allocation failed ({}).", format_code(e.client.result)),
      {client_line(e),
       measured ? fmt::format("client: heap peak {} bytes, budget {} bytes", e.client.heap_peak, e.client.heap_budget)
                : "client: its report gives no heap figures"},
      fmt::format("Give Mbed TLS more heap than its peak on a passing run (see peak_heap_bytes), or shrink "
                  "MBEDTLS_SSL_IN_CONTENT_LEN / MBEDTLS_SSL_OUT_CONTENT_LEN in {}.",
                  e.profile_file)};
}

// Under a heap budget, Mbed TLS 3.x's PSA crypto can fail to start at all:
// psa_crypto_init (measured: budgets up to about 1.5 KB) reports
// PSA_ERROR_INSUFFICIENT_MEMORY, and seeding its generator (about 2 KB)
// PSA_ERROR_INSUFFICIENT_ENTROPY. Neither status names the heap; the stage
// (setup, before any byte is sent) and the imposed budget do.
std::optional<Finding> heap_exhausted_in_psa_setup(const Evidence& e) {
  const uint32_t code = e.client.result < 0 ? static_cast<uint32_t>(-e.client.result) : 0;
  const bool budget_imposed = e.client.heap_budget > 0 && e.client.heap_budget < e.build.heap_capacity;
  if (e.client.stage != tls::Stage::kSetup || !budget_imposed ||
      (code != codes::kPsaInsufficientMemory && code != codes::kPsaInsufficientEntropy)) {
    return std::nullopt;
  }
  const bool memory = code == codes::kPsaInsufficientMemory;
  return Finding{
      FindingId::kHeapExhausted,
      memory ? fmt::format("Mbed TLS's PSA crypto could not start under a {}-byte heap budget: it reported "
                           "PSA_ERROR_INSUFFICIENT_MEMORY ({}) before the connection was opened.",
                           e.client.heap_budget, format_code(e.client.result))
             : fmt::format("Most likely the heap: under a {}-byte heap budget, seeding Mbed TLS's random generator "
                           "failed with PSA_ERROR_INSUFFICIENT_ENTROPY ({}) before the connection was opened. If it "
                           "still fails with more heap, the entropy source is the cause instead.",
                           e.client.heap_budget, format_code(e.client.result)),
      {client_line(e), fmt::format("client: failed at stage setup; heap peak {} bytes, budget {} bytes of a {}-byte "
                                   "arena",
                                   e.client.heap_peak, e.client.heap_budget, e.build.heap_capacity)},
      fmt::format("Give Mbed TLS more heap: the handshake itself needs its peak on a passing run (see "
                  "peak_heap_bytes), well above what PSA needs to start; or shrink MBEDTLS_SSL_IN_CONTENT_LEN / "
                  "MBEDTLS_SSL_OUT_CONTENT_LEN in {}.",
                  e.profile_file)};
}

// An allocation that fails while Mbed TLS checks a certificate's signature
// does not surface as ALLOC_FAILED: the issuer is dropped as if its
// signature were wrong, and the chain is reported "not trusted". With the
// server's chain known, the issuer's presence confirms it; from a log alone
// (the core's heap line says a budget was imposed), it is the likely cause.
std::optional<Finding> heap_exhausted_in_verify(const Evidence& e) {
  const bool budget_imposed = e.client.heap_budget > 0 && e.client.heap_budget < e.build.heap_capacity;
  if (e.client.passed() || !budget_imposed || !(verify_flags(e) & codes::kBadCertNotTrusted)) return std::nullopt;
  const std::string heap_line = fmt::format("client: heap peak {} bytes, budget {} bytes of a {}-byte arena",
                                            e.client.heap_peak, e.client.heap_budget, e.build.heap_capacity);
  if (client_side_only(e)) {
    return Finding{
        FindingId::kHeapExhausted,
        fmt::format("Most likely Mbed TLS ran out of heap while checking a certificate's signature: the handshake "
                    "ran under a {}-byte heap budget (peak {} bytes), and Mbed TLS reports an allocation that fails "
                    "there as an untrusted chain ({}).",
                    e.client.heap_budget, e.client.heap_peak, format_code(e.client.result)),
        {client_line(e), "client: verify flags MBEDTLS_X509_BADCERT_NOT_TRUSTED", heap_line},
        fmt::format("Run the handshake once without the budget: if it passes, give Mbed TLS a margin above its peak "
                    "(fragmentation needs some), or shrink MBEDTLS_SSL_IN_CONTENT_LEN / MBEDTLS_SSL_OUT_CONTENT_LEN "
                    "in {}; if it still fails, the chain is really untrusted.",
                    e.profile_file)};
  }
  const CertInfo* issuer = issuer_of_top(e);
  if (issuer == nullptr) return std::nullopt;
  return Finding{
      FindingId::kHeapExhausted,
      fmt::format("Most likely Mbed TLS ran out of heap while checking the signature of '{}' by '{}': the issuer is "
                  "there ({}), but under a {}-byte budget (peak {} bytes) its signature check failed, and Mbed TLS "
                  "reports a failed allocation there as an untrusted chain ({}).",
                  e.client.peer_chain.back().subject, issuer->subject,
                  issuer->trusted_by_client ? "in the trust list" : "sent by the server", e.client.heap_budget,
                  e.client.heap_peak, format_code(e.client.result)),
      {client_line(e), "client: verify flags MBEDTLS_X509_BADCERT_NOT_TRUSTED, yet the issuer was present", heap_line},
      fmt::format("Run the handshake once without a budget to measure its peak, and give Mbed TLS a margin above it "
                  "(fragmentation of the heap needs some); or shrink MBEDTLS_SSL_IN_CONTENT_LEN / "
                  "MBEDTLS_SSL_OUT_CONTENT_LEN in {}.",
                  e.profile_file)};
}

std::optional<Finding> record_too_large_for_input_buffer(const Evidence& e) {
  const uint32_t m = magnitude(e.client);
  if (e.client.stage != tls::Stage::kHandshake || (m != codes::kSslBadInputData && m != codes::kSslInvalidRecord) ||
      !e.server.connection) {
    return std::nullopt;
  }
  const servers::RecordSeen* big = e.server.connection->largest_record();
  if (big == nullptr || big->length <= e.build.in_content_len) return std::nullopt;
  const char* what = big->handshake_type >= 0 ? tls::handshake_type_name(big->handshake_type) : "a";
  size_t chain_bytes = 0, chain_count = 0;
  for (const auto& cert : e.server.chain) {
    if (cert.sent_by_server()) chain_bytes += cert.der_size, ++chain_count;
  }
  return Finding{FindingId::kRecordTooLargeForInputBuffer,
                 fmt::format("The server's {} record is {} bytes, but this build's input buffer holds {} "
                             "(MBEDTLS_SSL_IN_CONTENT_LEN), so the client drops it without an alert ({}).",
                             what, big->length, e.build.in_content_len, format_code(e.client.result)),
                 {client_line(e),
                  fmt::format("server: sent a {}-byte {} record; its chain is {} certificates, {} bytes", big->length,
                              what, chain_count, chain_bytes),
                  fmt::format("profile {}: MBEDTLS_SSL_IN_CONTENT_LEN {}", e.build.profile, e.build.in_content_len)},
                 largest_server_message(e.server.connection->transcript) + 4 > e.build.in_content_len
                     ? fmt::format("{} in {}; or have the server send a shorter chain. A max fragment length "
                                   "does not help: Mbed TLS holds a whole handshake message in its input buffer, "
                                   "and this one does not fit.",
                                   input_buffer_change(e, next_buffer_size(big->length)), e.profile_file)
                     : fmt::format("{} in {}; or have the server send a shorter chain, or (Mbed TLS 3.6) "
                                   "negotiate a max fragment length if the server supports it.",
                                   input_buffer_change(e, next_buffer_size(big->length)), e.profile_file)};
}

// Records that fit, but a handshake message that does not: Mbed TLS
// reassembles a handshake message in its input buffer, so smaller records
// (max fragment length) do not shrink the buffer it needs.
std::optional<Finding> handshake_message_too_large_for_input_buffer(const Evidence& e) {
  const uint32_t m = magnitude(e.client);
  if (e.client.stage != tls::Stage::kHandshake || (m != codes::kSslBadInputData && m != codes::kSslInvalidRecord) ||
      !e.server.connection) {
    return std::nullopt;
  }
  const auto& conn = *e.server.connection;
  const servers::RecordSeen* big = conn.largest_record();
  const servers::HandshakeMessage* message = nullptr;
  for (const auto& msg : conn.transcript) {
    if (msg.from_server && msg.length + 4 > e.build.in_content_len &&
        (message == nullptr || msg.length > message->length)) {
      message = &msg;
    }
  }
  if (big == nullptr || big->length > e.build.in_content_len || message == nullptr) return std::nullopt;
  const int asked = conn.client_hello ? conn.client_hello->max_fragment_length : 0;
  const size_t size = message->length + 4;
  return Finding{
      FindingId::kHandshakeMessageTooLargeForInputBuffer,
      fmt::format("The server's {} message is {} bytes; it arrives in records of at most {} bytes{}, but Mbed TLS "
                  "reassembles a handshake message in its input buffer, which holds {} (MBEDTLS_SSL_IN_CONTENT_LEN), "
                  "so it fails ({}).",
                  tls::handshake_type_name(message->type), size, big->length,
                  asked != 0 ? fmt::format(" (the max fragment length of {} the client asked for)", asked) : "",
                  e.build.in_content_len, format_code(e.client.result)),
      {client_line(e),
       fmt::format("server: its {} message is {} bytes with its header; its largest record {} bytes",
                   tls::handshake_type_name(message->type), size, big->length),
       fmt::format("profile {}: MBEDTLS_SSL_IN_CONTENT_LEN {}", e.build.profile, e.build.in_content_len)},
      fmt::format("{} in {}, or have the server send a shorter chain; a smaller max fragment length cannot save "
                  "this buffer.",
                  input_buffer_change(e, next_buffer_size(size)), e.profile_file)};
}

std::optional<Finding> max_fragment_length_not_honoured(const Evidence& e) {
  if (e.client.passed() || e.client.stage != tls::Stage::kHandshake || !e.server.connection ||
      !e.server.connection->client_hello) {
    return std::nullopt;
  }
  const int asked = e.server.connection->client_hello->max_fragment_length;
  const servers::RecordSeen* big = e.server.connection->largest_record();
  if (asked == 0 || big == nullptr || big->length <= static_cast<size_t>(asked) ||
      big->length <= e.build.in_content_len) {
    return std::nullopt;
  }
  return Finding{
      FindingId::kMaxFragmentLengthNotHonoured,
      fmt::format("The client asked for records of at most {} bytes (max fragment length) to fit its {}-byte input "
                  "buffer, but the server sent a {}-byte record anyway.",
                  asked, e.build.in_content_len, big->length),
      {client_line(e), fmt::format("server: the ClientHello asked for max fragment length {}", asked),
       fmt::format("server: sent a {}-byte record ({})", big->length,
                   big->handshake_type >= 0 ? tls::handshake_type_name(big->handshake_type) : "type unknown")},
      fmt::format("The server does not honour max fragment length: size the device's input buffer for its largest "
                  "record ({} in {}), or have the server send a shorter chain.",
                  input_buffer_change(e, next_buffer_size(big->length)), e.profile_file)};
}

// Handshake messages split over several records: Mbed TLS 2.28 cannot put
// them back together over TLS (only DTLS), 3.6 can; and neither line takes
// a record that does not hold a whole 4-byte handshake header.
std::optional<Finding> handshake_message_fragmented(const Evidence& e) {
  const uint32_t m = magnitude(e.client);
  if (e.client.passed() || e.client.stage != tls::Stage::kHandshake ||
      (m != codes::kSslFeatureUnavailable && m != codes::kSslInvalidRecord)) {
    return std::nullopt;
  }
  if (!e.server.connection) {
    // A stock peer keeps no capture: what the client read must do. On 2.28,
    // FEATURE_UNAVAILABLE while reading the server's flight, in records that
    // fit the buffer, is its "handshake fragmentation not supported".
    const int state = e.client.handshake_state;
    if (m != codes::kSslFeatureUnavailable || !mbedtls_line(e).rejects_fragmented_handshake ||
        state < kStateServerHello || state > 6 || e.client.largest_record_received == 0 ||
        e.client.largest_record_received > e.build.in_content_len) {
      return std::nullopt;
    }
    return Finding{FindingId::kHandshakeMessageFragmented,
                   fmt::format("Mbed TLS {} failed {} ({}): the server splits its handshake messages over records (the "
                               "largest the client read was {} bytes), and {} cannot reassemble them over TLS.",
                               e.build.mbedtls_line, waiting_for(state), format_code(e.client.result),
                               e.client.largest_record_received, e.build.mbedtls_line),
                   {client_line(e), fmt::format("client: {} records read, the largest {} bytes",
                                                e.client.records_received, e.client.largest_record_received)},
                   "Have the server send each handshake message in one record (its record size limit), or move the "
                   "device to Mbed TLS 3.6, which reassembles fragmented handshake messages."};
  }
  const auto& conn = *e.server.connection;
  size_t largest_record = 0, smallest_record = SIZE_MAX, records = 0;
  for (const auto& r : conn.records_sent) {
    if (r.content_type != 22 || r.encrypted) continue;
    largest_record = std::max(largest_record, r.length);
    smallest_record = std::min(smallest_record, r.length);
    ++records;
  }
  const servers::HandshakeMessage* split = nullptr;
  for (const auto& msg : conn.transcript) {
    if (msg.from_server && msg.length + 4 > largest_record) {
      split = &msg;
      break;
    }
  }
  if (split == nullptr || largest_record == 0) return std::nullopt;
  constexpr size_t kHeader = 4;
  const bool header_split =
      m == codes::kSslInvalidRecord && smallest_record < kHeader && largest_record <= e.build.in_content_len;
  if (m == codes::kSslInvalidRecord && !header_split) return std::nullopt;
  // A line that reassembles messages split over records failed for another reason.
  if (!header_split && !mbedtls_line(e).rejects_fragmented_handshake) return std::nullopt;
  std::vector<std::string> evidence{client_line(e),
                                    fmt::format("server: sent {} plaintext handshake records of {} to {} bytes",
                                                records, smallest_record, largest_record),
                                    fmt::format("server: its {} message is {} bytes with its header",
                                                tls::handshake_type_name(split->type), split->length + kHeader)};
  if (header_split) {
    return Finding{
        FindingId::kHandshakeMessageFragmented,
        fmt::format("The server split its handshake into records of {} byte{}, smaller than a handshake message's "
                    "4-byte header, and Mbed TLS (2.28 and 3.6 alike) needs each handshake record to start with a "
                    "whole header: it rejects the record ({}).",
                    smallest_record, smallest_record == 1 ? "" : "s", format_code(e.client.result)),
        evidence,
        "Have the server (or the middlebox in front of it) send handshake records of at least a whole message "
        "header, better whole messages; no Mbed TLS configuration accepts a split header."};
  }
  const int asked = conn.client_hello ? conn.client_hello->max_fragment_length : 0;
  return Finding{
      FindingId::kHandshakeMessageFragmented,
      fmt::format("The server split its {} message ({} bytes) over records of at most {} bytes{}, and Mbed TLS {} "
                  "cannot reassemble a handshake message from several records over TLS ({}).",
                  tls::handshake_type_name(split->type), split->length + kHeader, largest_record,
                  asked != 0 ? fmt::format(" (the max fragment length of {} the client asked for)", asked) : "",
                  e.build.mbedtls_line, format_code(e.client.result)),
      evidence,
      asked != 0 ? fmt::format("Do not ask for a max fragment length smaller than the server's handshake messages on "
                               "Mbed TLS {}: size MBEDTLS_SSL_IN_CONTENT_LEN in {} for them instead; or move to Mbed "
                               "TLS 3.6, which reassembles fragmented handshake messages.",
                               e.build.mbedtls_line, e.profile_file)
                 : "Have the server send each handshake message in one record (its record size limit), or move the "
                   "device to Mbed TLS 3.6, which reassembles fragmented handshake messages."};
}

}  // namespace

std::span<const Rule> resource_rules() {
  static constexpr Rule kRules[] = {
      {"max_fragment_length_not_honoured",
       Band::kBuffers,
       Sources::kRun,
       {FindingId::kMaxFragmentLengthNotHonoured},
       one<max_fragment_length_not_honoured>},
      {"record_too_large_for_input_buffer",
       Band::kBuffers,
       Sources::kRun,
       {FindingId::kRecordTooLargeForInputBuffer},
       one<record_too_large_for_input_buffer>},
      {"handshake_message_too_large_for_input_buffer",
       Band::kBuffers,
       Sources::kRun,
       {FindingId::kHandshakeMessageTooLargeForInputBuffer},
       one<handshake_message_too_large_for_input_buffer>},
      {"heap_exhausted", Band::kHeap, Sources::kRunOrLog, {FindingId::kHeapExhausted}, one<heap_exhausted>},
      {"heap_exhausted_in_verify",
       Band::kHeap,
       Sources::kRunOrLog,
       {FindingId::kHeapExhausted},
       one<heap_exhausted_in_verify>},
      {"heap_exhausted_in_psa_setup",
       Band::kHeap,
       Sources::kRunOrLog,
       {FindingId::kHeapExhausted},
       one<heap_exhausted_in_psa_setup>},
      {"handshake_message_fragmented",
       Band::kFragmentation,
       Sources::kRunOrLog,
       {FindingId::kHandshakeMessageFragmented},
       one<handshake_message_fragmented>},
  };
  return kRules;
}

}  // namespace shakedown::diagnosis

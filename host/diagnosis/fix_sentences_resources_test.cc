// Fix sentences, resources: heap, input buffer sizes
// (MBEDTLS_SSL_IN_CONTENT_LEN), max fragment length and fragmentation (2.28
// cannot reassemble a handshake message, 3.6 can).

#include <catch2/catch.hpp>

#include "fix_sentences_test_support.h"

namespace shakedown::diagnosis::fix_rows {
namespace {

using namespace codes;

constexpr const char* kShrinkBuffers =
    "shrink MBEDTLS_SSL_IN_CONTENT_LEN / MBEDTLS_SSL_OUT_CONTENT_LEN in firmware/configs/field.h";
constexpr const char* kMoveTo36 =
    "Have the server send each handshake message in one record (its record size limit), or move the device to Mbed "
    "TLS 3.6, which reassembles fragmented handshake messages.";

void alloc_failed(Fixture& f, uint32_t peak, uint32_t budget) {
  fail(f, kSslAllocFailed, 3);
  f.client.result_name = "MBEDTLS_ERR_SSL_ALLOC_FAILED";
  f.client.heap_peak = peak;
  f.client.heap_budget = budget;
}

void psa_setup_failed(Fixture& f, uint32_t status) {
  fail(f, status, 0, tls::Stage::kSetup);
  f.client.heap_budget = 1024;
}

// A chain not trusted under a heap budget; its intermediate was sent.
void untrusted_under_budget(Fixture& f) {
  fail(f, kX509CertVerifyFailed, 3);
  f.client.verify_flags = kBadCertNotTrusted;
  f.client.peer_chain = {peer(0, "CN=leaf", "CN=intermediate 1", kBadCertNotTrusted)};
  f.client.heap_peak = f.client.heap_budget = 20'000;
  f.server.chain = {cert("root", "RSA", 2048, "sha256", true, std::nullopt),
                    cert("intermediate 1", "RSA", 2048, "sha256", false, 1),
                    cert("leaf", "RSA", 2048, "sha256", false, 0)};
}

// The server's capture: `records` (handshake type, length) and `messages`
// (type, body length) it sent; the client failed with `magnitude`.
void server_sent(Fixture& f, uint32_t magnitude, std::vector<std::pair<int, size_t>> records,
                 std::vector<std::pair<uint8_t, size_t>> messages, int max_fragment_length = 0) {
  fail(f, magnitude, 3);
  hello(f).max_fragment_length = max_fragment_length;
  f.server.accepted_suites = {suite(0xc02b)};
  for (auto [type, length] : records) f.server.connection->records_sent.push_back({22, length, type, false});
  for (auto [type, length] : messages) f.server.connection->transcript.push_back({true, type, length});
}

const Row kResources[] = {
    // ---- heap_exhausted / heap_exhausted_in_psa_setup / heap_exhausted_in_verify ----
    {.name = "heap: an allocation failed, measured",
     .line = "2.28",
     .make = [](Fixture& f) { alloc_failed(f, 30'000, 32'000); },
     .id = FindingId::kHeapExhausted,
     .summary = {"the handshake reached 30000 bytes of a 32000-byte budget, and an allocation failed (-0x7f00)."},
     .fix = "Give Mbed TLS more heap than its peak on a passing run (see peak_heap_bytes), or shrink "
            "MBEDTLS_SSL_IN_CONTENT_LEN / MBEDTLS_SSL_OUT_CONTENT_LEN in firmware/configs/field.h."},
    {.name = "heap: an allocation failed, not measured",
     .line = "3.6",
     .make = [](Fixture& f) { alloc_failed(f, 0, 0); },
     .id = FindingId::kHeapExhausted,
     .summary = {"Mbed TLS ran out of heap: an allocation failed (-0x7f00)."},
     .fix = "Give Mbed TLS more heap than its peak on a passing run (see peak_heap_bytes), or shrink "
            "MBEDTLS_SSL_IN_CONTENT_LEN / MBEDTLS_SSL_OUT_CONTENT_LEN in firmware/configs/field.h."},
    {.name = "heap: PSA crypto cannot start (memory)",
     .line = "3.6",
     .make = [](Fixture& f) { psa_setup_failed(f, kPsaInsufficientMemory); },
     .id = FindingId::kHeapExhausted,
     .summary = {"PSA crypto could not start under a 1024-byte heap budget", "PSA_ERROR_INSUFFICIENT_MEMORY (-0x008d)"},
     .fix = "Give Mbed TLS more heap: the handshake itself needs its peak on a passing run (see peak_heap_bytes), well "
            "above what PSA needs to start; or shrink MBEDTLS_SSL_IN_CONTENT_LEN / MBEDTLS_SSL_OUT_CONTENT_LEN in "
            "firmware/configs/field.h."},
    {.name = "heap: PSA crypto cannot seed (entropy)",
     .line = "3.6",
     .make = [](Fixture& f) { psa_setup_failed(f, kPsaInsufficientEntropy); },
     .id = FindingId::kHeapExhausted,
     .summary = {"Most likely the heap: under a 1024-byte heap budget, seeding",
                 "If it still fails with more heap, the entropy source is the cause instead."},
     .fix_has = {"well above what PSA needs to start", kShrinkBuffers}},
    {.name = "heap: an untrusted chain under a budget, the issuer sent",
     .line = "2.28",
     .make = untrusted_under_budget,
     .id = FindingId::kHeapExhausted,
     .summary = {"while checking the signature of 'CN=leaf' by '/CN=intermediate 1': the issuer is there (sent by the "
                 "server), but under a 20000-byte budget"},
     .fix =
         "Run the handshake once without a budget to measure its peak, and give Mbed TLS a margin above it "
         "(fragmentation of the heap needs some); or shrink MBEDTLS_SSL_IN_CONTENT_LEN / MBEDTLS_SSL_OUT_CONTENT_LEN "
         "in firmware/configs/field.h."},
    {.name = "heap: an untrusted chain under a budget, from a log",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           untrusted_under_budget(f);
           from_log(f);
           f.server.chain.clear();
         },
     .id = FindingId::kHeapExhausted,
     .summary = {"Most likely Mbed TLS ran out of heap while checking a certificate's signature"},
     .fix = "Run the handshake once without the budget: if it passes, give Mbed TLS a margin above its peak "
            "(fragmentation needs some), or shrink MBEDTLS_SSL_IN_CONTENT_LEN / MBEDTLS_SSL_OUT_CONTENT_LEN in "
            "firmware/configs/field.h; if it still fails, the chain is really untrusted."},
    // ---- record_too_large_for_input_buffer ----
    {.name = "record: the Certificate record and message do not fit",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           server_sent(f, kSslBadInputData, {{2, 80}, {11, 2807}}, {{2, 76}, {11, 2803}});
         },
     .id = FindingId::kRecordTooLargeForInputBuffer,
     .summary = {"The server's Certificate record is 2807 bytes, but this build's input buffer holds 2048"},
     .fix = "#define MBEDTLS_SSL_IN_CONTENT_LEN 4096 in firmware/configs/field.h; or have the server send a shorter "
            "chain. A max fragment length does not help: Mbed TLS holds a whole handshake message in its input "
            "buffer, and this one does not fit."},
    {.name = "record: the Certificate record and message do not fit",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           server_sent(f, kSslInvalidRecord, {{2, 80}, {11, 9000}}, {{2, 76}, {11, 8996}});
         },
     .id = FindingId::kRecordTooLargeForInputBuffer,
     .summary = {"The server's Certificate record is 9000 bytes"},
     .fix = "#define MBEDTLS_SSL_IN_CONTENT_LEN 16384 in firmware/configs/field.h; or have the server send a shorter "
            "chain. A max fragment length does not help: Mbed TLS holds a whole handshake message in its input "
            "buffer, and this one does not fit."},
    {.name = "record: a 2.x config that caps both buffers with MBEDTLS_SSL_MAX_CONTENT_LEN raises the cap too",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           server_sent(f, kSslBadInputData, {{2, 80}, {11, 2807}}, {{2, 76}, {11, 2803}});
           f.build.max_content_len = 2048;
         },
     .id = FindingId::kRecordTooLargeForInputBuffer,
     .summary = {"The server's Certificate record is 2807 bytes, but this build's input buffer holds 2048"},
     .fix_has = {"#define MBEDTLS_SSL_MAX_CONTENT_LEN 4096, MBEDTLS_SSL_IN_CONTENT_LEN 4096 and "
                 "MBEDTLS_SSL_OUT_CONTENT_LEN 2048 in firmware/configs/field.h;"}},
    {.name = "record: too large, but each message in it fits",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           server_sent(f, kSslBadInputData, {{2, 2600}}, {{2, 76}, {11, 1500}, {12, 300}, {14, 0}});
         },
     .id = FindingId::kRecordTooLargeForInputBuffer,
     .summary = {"The server's ServerHello record is 2600 bytes"},
     .fix = "#define MBEDTLS_SSL_IN_CONTENT_LEN 4096 in firmware/configs/field.h; or have the server send a shorter "
            "chain, or (Mbed TLS 3.6) negotiate a max fragment length if the server supports it."},
    // ---- handshake_message_too_large_for_input_buffer ----
    {.name = "message: larger than the buffer, in records of the max fragment length",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           server_sent(f, kSslBadInputData, {{2, 1024}, {11, 1024}, {-1, 1024}}, {{2, 76}, {11, 2803}}, 1024);
         },
     .id = FindingId::kHandshakeMessageTooLargeForInputBuffer,
     .summary = {"The server's Certificate message is 2807 bytes; it arrives in records of at most 1024 bytes (the max "
                 "fragment length of 1024 the client asked for)"},
     .fix = "#define MBEDTLS_SSL_IN_CONTENT_LEN 4096 in firmware/configs/field.h, or have the server send a shorter "
            "chain; a smaller max fragment length cannot save this buffer."},
    {.name = "message: larger than the buffer, in small records",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           server_sent(f, kSslBadInputData, {{2, 2000}, {-1, 2000}}, {{2, 76}, {11, 3500}});
         },
     .id = FindingId::kHandshakeMessageTooLargeForInputBuffer,
     .summary = {"it arrives in records of at most 2000 bytes, but Mbed TLS reassembles"},
     .fix = "#define MBEDTLS_SSL_IN_CONTENT_LEN 4096 in firmware/configs/field.h, or have the server send a shorter "
            "chain; a smaller max fragment length cannot save this buffer."},
    // ---- max_fragment_length_not_honoured ----
    {.name = "max fragment length asked, a full record sent",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           server_sent(f, kSslBadInputData, {{11, 2807}}, {{11, 2803}}, 1024);
         },
     .id = FindingId::kMaxFragmentLengthNotHonoured,
     .summary = {"asked for records of at most 1024 bytes (max fragment length) to fit its 2048-byte input buffer, but "
                 "the server sent a 2807-byte record anyway."},
     .fix = "The server does not honour max fragment length: size the device's input buffer for its largest record "
            "(#define MBEDTLS_SSL_IN_CONTENT_LEN 4096 in firmware/configs/field.h), or have the server send a shorter "
            "chain."},
    // ---- handshake_message_fragmented ----
    {.name = "fragmented: no capture, the line cannot reassemble",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           fail(f, kSslFeatureUnavailable, 3);
           f.client.records_received = 4;
           f.client.largest_record_received = 1024;
         },
     .id = FindingId::kHandshakeMessageFragmented,
     .summary = {"Mbed TLS 2.28 failed waiting for the server's Certificate", "2.28 cannot reassemble them over TLS"},
     .fix = kMoveTo36},
    // 3.6 reassembles: it is not told to move to 3.6.
    {.name = "fragmented: no capture, a line that reassembles",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           fail(f, kSslFeatureUnavailable, 3);
           f.client.records_received = 4;
           f.client.largest_record_received = 1024;
         },
     .id = FindingId::kUnexplained,
     .summary = {"No rule explains this failure"},
     .fix = kUnexplainedFix},
    {.name = "fragmented: a record smaller than a handshake header",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           server_sent(f, kSslInvalidRecord, {{2, 1}, {-1, 600}, {-1, 600}}, {{2, 76}, {11, 1800}});
         },
     .id = FindingId::kHandshakeMessageFragmented,
     .summary = {"split its handshake into records of 1 byte, smaller than a handshake message's 4-byte header"},
     .fix = "Have the server (or the middlebox in front of it) send handshake records of at least a whole message "
            "header, better whole messages; no Mbed TLS configuration accepts a split header."},
    {.name = "fragmented: by the max fragment length the client asked for",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           server_sent(f, kSslFeatureUnavailable, {{2, 512}, {11, 512}, {-1, 512}}, {{2, 76}, {11, 1800}}, 512);
         },
     .id = FindingId::kHandshakeMessageFragmented,
     .summary = {"split its Certificate message (1804 bytes) over records of at most 512 bytes (the max fragment "
                 "length of 512 the client asked for), and Mbed TLS 2.28 cannot reassemble"},
     .fix = "Do not ask for a max fragment length smaller than the server's handshake messages on Mbed TLS 2.28: size "
            "MBEDTLS_SSL_IN_CONTENT_LEN in firmware/configs/field.h for them instead; or move to Mbed TLS 3.6, which "
            "reassembles fragmented handshake messages."},
    {.name = "fragmented: by the server's record size",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           server_sent(f, kSslFeatureUnavailable, {{2, 512}, {11, 512}}, {{2, 76}, {11, 1800}});
         },
     .id = FindingId::kHandshakeMessageFragmented,
     .summary = {"over records of at most 512 bytes, and Mbed TLS 2.28 cannot reassemble"},
     .fix = kMoveTo36},
    // The same capture on 3.6, which reassembles: the split is not the cause.
    {.name = "fragmented: by the server's record size, on a line that reassembles",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           server_sent(f, kSslFeatureUnavailable, {{2, 512}, {11, 512}}, {{2, 76}, {11, 1800}});
         },
     .id = FindingId::kUnexplained,
     .summary = {"No rule explains this failure"},
     .fix = kUnexplainedFix},
};

}  // namespace

std::span<const Row> resource_rows() {
  return kResources;
}

}  // namespace shakedown::diagnosis::fix_rows

TEST_CASE("fix sentences: resources, each branch on each line") {
  shakedown::diagnosis::fix_rows::check_rows(shakedown::diagnosis::fix_rows::resource_rows());
}

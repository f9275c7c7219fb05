// Fix sentences, pre-shared keys: an identity the server does not know, and
// a key that differs, as each TLS version shows it (see fix_sentences_test.cc).

#include <catch2/catch.hpp>

#include "fix_sentences_test_support.h"

namespace shakedown::diagnosis::fix_rows {
namespace {

constexpr auto kFatal = codes::kSslFatalAlert;

void psk(Fixture& f, const char* client_identity, const char* server_identity, std::vector<uint8_t> server_key) {
  fail(f, kFatal, 13);
  f.setup.psk_identity = client_identity;
  f.setup.psk_key = {1, 2, 3};
  f.server.psk = servers::PreSharedKey{server_identity, std::move(server_key)};
}

const Row kPreSharedKey[] = {
    {.name = "PSK: an identity the server does not know",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           psk(f, "dev-1", "dev-2", {1, 2, 3});
           alert_in(f, 115);
         },
     .id = FindingId::kPskMismatch,
     .summary = {"does not know the device's PSK identity \"dev-1\" (it holds a key for \"dev-2\")"},
     .fix = "Give the device the key the server holds for \"dev-2\": mbedtls_ssl_conf_psk(&conf, key, key_len, "
            "identity, identity_len)."},
    {.name = "PSK: an unknown identity, from a log",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           fail(f, kFatal, 2);
           from_log(f);
           f.setup.psk_identity = "dev-1";
           alert_in(f, 115);
         },
     .id = FindingId::kPskMismatch,
     .summary = {"The server does not know the device's PSK identity and refused it with unknown_psk_identity (115)."},
     .fix = "Give the device the key the server holds for the identity the server knows: mbedtls_ssl_conf_psk(&conf, "
            "key, key_len, identity, identity_len)."},
    {.name = "PSK: another key, TLS 1.2 Finished refused",
     .line = "2.28",
     .make =
         [](Fixture& f) {
           psk(f, "dev-1", "dev-1", {9, 9, 9});
           alert_in(f, 20);
         },
     .id = FindingId::kPskMismatch,
     .summary = {"pre-shared key for \"dev-1\" differs from the server's",
                 "could not decrypt the device's Finished (bad_record_mac, 20)"},
     .fix = "Give the device the key the server holds for \"dev-1\": mbedtls_ssl_conf_psk(&conf, key, key_len, "
            "identity, identity_len)."},
    {.name = "PSK: another key, TLS 1.3 binder refused",
     .line = "3.6",
     .make =
         [](Fixture& f) {
           psk(f, "dev-1", "dev-1", {9, 9, 9});
           f.client.handshake_state = 2;
           hello(f).supported_versions = {0x0304};
           f.server.connection->verdict = "binder does not verify";
           f.server.connection->alerts = {{true, 2, 47}};
         },
     .id = FindingId::kPskMismatch,
     .summary = {"could not verify the PSK binder in its ClientHello and refused it (illegal_parameter, 47)"},
     .fix = "Give the device the key the server holds for \"dev-1\": mbedtls_ssl_conf_psk(&conf, key, key_len, "
            "identity, identity_len)."},
};

}  // namespace

std::span<const Row> pre_shared_key_rows() {
  return kPreSharedKey;
}

}  // namespace shakedown::diagnosis::fix_rows

TEST_CASE("fix sentences: pre-shared keys, each branch") {
  shakedown::diagnosis::fix_rows::check_rows(shakedown::diagnosis::fix_rows::pre_shared_key_rows());
}

// Pre-shared keys: a server that does not know the device's PSK identity,
// or holds another key for it. Both sides' keys are known in a run, so the
// rule checks the mismatch it names; from a log alone only an alert that
// names the identity can speak.

#include <fmt/format.h>

#include <algorithm>

#include "mbedtls_codes.h"
#include "rules.h"
#include "wording.h"

namespace shakedown::diagnosis {
namespace {

using codes::kAlertBadRecordMac, codes::kAlertIllegalParameter, codes::kAlertUnknownPskIdentity;

bool server_sent_alert(const Evidence& e, uint8_t description) {
  if (!e.server.connection) return false;
  const auto& alerts = e.server.connection->alerts;
  return std::any_of(alerts.begin(), alerts.end(),
                     [&](const servers::AlertSeen& a) { return a.from_server && a.description == description; });
}

bool alert_seen(const Evidence& e, uint8_t description) {
  return received_alert(e, description) || server_sent_alert(e, description);
}

std::string fix(const Evidence& e) {
  const std::string identity =
      e.server.psk ? fmt::format("\"{}\"", e.server.psk->identity) : std::string("the identity the server knows");
  return fmt::format(
      "Give the device the key the server holds for {}: mbedtls_ssl_conf_psk(&conf, key, key_len, "
      "identity, identity_len).",
      identity);
}

std::optional<Finding> unknown_psk_identity(const Evidence& e) {
  if (e.client.passed() || !alert_seen(e, kAlertUnknownPskIdentity)) return std::nullopt;
  // The premise: the identities differ, where both are known.
  const bool both_known = e.server.psk && !e.setup.psk_identity.empty();
  if (both_known && e.server.psk->identity == e.setup.psk_identity) return std::nullopt;
  std::vector<std::string> evidence{client_line(e)};
  if (received_alert(e, kAlertUnknownPskIdentity))
    evidence.emplace_back("client: received alert 115 (unknown_psk_identity)");
  if (server_sent_alert(e, kAlertUnknownPskIdentity))
    evidence.emplace_back("server: sent alert 115 (unknown_psk_identity)");
  if (both_known) {
    evidence.push_back(
        fmt::format("client: PSK identity \"{}\"; server: \"{}\"", e.setup.psk_identity, e.server.psk->identity));
  }
  return Finding{FindingId::kPskMismatch,
                 both_known ? fmt::format("The server does not know the device's PSK identity \"{}\" (it holds a key "
                                          "for \"{}\") and refused it with unknown_psk_identity (115).",
                                          e.setup.psk_identity, e.server.psk->identity)
                            : "The server does not know the device's PSK identity and refused it with "
                              "unknown_psk_identity (115).",
                 std::move(evidence), fix(e)};
}

// Same identity, other key: both sides derive other secrets, so the server
// cannot check the device's Finished (TLS 1.2: bad_record_mac) or the PSK
// binder of its ClientHello (TLS 1.3: illegal_parameter). Only a run knows
// both keys; a log cannot tell this from a corrupted record.
std::optional<Finding> other_psk_key(const Evidence& e) {
  if (e.client.passed() || client_side_only(e) || !e.server.psk || e.setup.psk_identity.empty()) return std::nullopt;
  if (e.server.psk->identity != e.setup.psk_identity || e.server.psk->key == e.setup.psk_key) return std::nullopt;
  const auto& conn = e.server.connection;
  // The symptom the mismatch gives: the server could not check the
  // device's Finished, or the binder of its ClientHello.
  const bool finished_refused = alert_seen(e, kAlertBadRecordMac);
  const bool tls13_binder =
      alert_seen(e, kAlertIllegalParameter) && conn && conn->verdict.find("binder") != std::string::npos;
  if (!finished_refused && !tls13_binder) return std::nullopt;
  std::vector<std::string> evidence{
      client_line(e),
      fmt::format("client and server: PSK identity \"{}\", with keys that differ", e.setup.psk_identity)};
  if (conn && !conn->verdict.empty()) evidence.push_back(fmt::format("server: OpenSSL's verdict: {}", conn->verdict));
  return Finding{
      FindingId::kPskMismatch,
      fmt::format("The device's pre-shared key for \"{}\" differs from the server's: {}.", e.setup.psk_identity,
                  tls13_binder ? "the server could not verify the PSK binder in its ClientHello and "
                                 "refused it (illegal_parameter, 47)"
                               : "the two sides derived different keys, and the server could not "
                                 "decrypt the device's Finished (bad_record_mac, 20)"),
      std::move(evidence), fix(e)};
}

}  // namespace

std::span<const Rule> pre_shared_key_rules() {
  static constexpr Rule kRules[] = {
      {"unknown_psk_identity",
       Band::kPreSharedKey,
       Sources::kRunOrLog,
       {FindingId::kPskMismatch},
       one<unknown_psk_identity>},
      {"other_psk_key", Band::kPreSharedKey, Sources::kRun, {FindingId::kPskMismatch}, one<other_psk_key>},
  };
  return kRules;
}

}  // namespace shakedown::diagnosis

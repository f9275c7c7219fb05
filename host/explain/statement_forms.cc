#include "statement_forms.h"

#include <array>

#include "log_text.h"
#include "statement_handlers.h"

namespace shakedown::explain {
namespace {

using enum Match;
using enum Stack;

// Mbed TLS's debug statements, in the order they are tried. The order is
// the reader's since its first version; it matters only for a line two
// patterns match, and keeping it keeps every log's explanation the same.
constexpr std::array kStatementForms = {
    // Handshake progress.
    LineForm{"a handshake starts", kMbedtls, "ssl_tls.c mbedtls_ssl_handshake", kWhole, "=> handshake",
             take_handshake_start},
    LineForm{"application data read after the handshake", kMbedtls, "ssl_msg.c mbedtls_ssl_read", kWhole, "<= read",
             take_read_after_handshake},
    LineForm{"the handshake ends", kMbedtls, "ssl_tls.c mbedtls_ssl_handshake", kWhole, "<= handshake",
             take_handshake_done},
    LineForm{"the handshake is done", kMbedtls, "ssl_cli.c, ssl_tls12_client.c, ssl_tls13_client.c", kWhole,
             "handshake: done", take_handshake_done},
    LineForm{"the handshake wraps up", kMbedtls, "ssl_tls.c, ssl_tls13_generic.c", kWhole, "<= handshake wrapup",
             take_handshake_done},
    // A buffer dump's first line; its rows follow.
    LineForm{"a buffer dump", kMbedtls, "mbedtls_debug_print_buf, from its caller", kStart, "dumping '",
             take_dump_start},
    LineForm{"the client's handshake state", kMbedtls, "ssl_cli.c (2.28: a number), ssl_tls.c (3.6: a name)",
             kValueAfter, "client state: ", take_client_state},
    // The ClientHello.
    LineForm{"a suite the ClientHello offers", kMbedtls, "ssl_cli.c (2.28), ssl_client.c (3.6)", kValueAfter,
             "add ciphersuite: ", take_offered_suite},
    LineForm{"the clock in the ClientHello", kMbedtls, "ssl_cli.c (2.28), ssl_client.c (3.6)", kValueAfter,
             "current time: ", take_client_time},
    LineForm{"the ClientHello's SNI", kMbedtls, "ssl_cli.c (2.28), ssl_client.c (3.6)", kValueAfter,
             "server name extension: ", take_server_name},
    LineForm{"the ClientHello's highest version", kMbedtls2_28, "ssl_cli.c ssl_write_client_hello", kValueAfter,
             "client hello, max version: ", take_max_version},
    LineForm{"a version in supported_versions", kMbedtls3_6, "ssl_tls13_client.c", kValueAfter,
             "supported version: ", take_supported_version},
    LineForm{"a group in supported_groups", kMbedtls3_6, "ssl_client.c", kValueAfter, "NamedGroup: ", take_named_group},
    LineForm{"a signature algorithm offered", kMbedtls3_6, "ssl_tls.c", kValueAfter, "sent signature scheme [",
             take_signature_scheme},
    LineForm{"max_fragment_length asked for", kMbedtls, "ssl_cli.c (2.28), ssl_tls12_client.c (3.6)", kAnywhere,
             "max_fragment_length extension", take_max_fragment_length},
    // Alerts and records.
    LineForm{"an alert received", kMbedtls, "ssl_msg.c", kValueAfter,
             "got an alert message, type: ", take_alert_received},
    LineForm{"an alert sent", kMbedtls, "ssl_msg.c mbedtls_ssl_send_alert_message", kValueAfter,
             "send alert level=", take_alert_sent},
    LineForm{"a record received", kMbedtls, "ssl_msg.c", kValueAfter, "input record: msgtype = ", take_record_in},
    LineForm{"a record sent", kMbedtls, "ssl_msg.c", kValueAfter, "output record: msgtype = ", take_record_out},
    LineForm{"a handshake message's sizes", kMbedtls, "ssl_msg.c", kValueAfter,
             "handshake message: msglen = ", take_handshake_message},
    // Certificate verification.
    LineForm{"the verify flags", kMbedtls, "ssl_tls.c", kValueAfter, "erification flags ", take_verify_flags},
    LineForm{"no client certificate (TLS 1.2)", kMbedtls, "ssl_cli.c (2.28), ssl_tls12_client.c (3.6)", kWhole,
             "<= skip write certificate verify", take_skip_certificate_verify},
    LineForm{"no client certificate (TLS 1.3)", kMbedtls3_6, "ssl_misc.h mbedtls_ssl_handshake_set_state", kStart,
             "handshake state: 7 ", take_tls13_skip_certificate_verify},
    // What does not fit.
    LineForm{"a record larger than the input buffer", kMbedtls, "ssl_msg.c", kWhole, "requesting more data than fits",
             take_input_overflow},
    LineForm{"a handshake message reassembled", kMbedtls3_6, "ssl_msg.c", kAnywhere,
             "waiting for more handshake fragments", take_reassembling},
    LineForm{"a fragmented handshake message refused", kMbedtls2_28, "ssl_msg.c", kWhole,
             "TLS handshake fragmentation not supported", take_fragmentation_unsupported},
    LineForm{"a handshake message too short", kMbedtls, "ssl_msg.c", kStart, "handshake message too short",
             take_message_too_short},
    // The server's certificates and requests.
    LineForm{"a certificate request", kMbedtls3_6, "ssl_tls13_client.c", kWhole, "got a certificate request",
             take_certificate_request},
    LineForm{"a CertificateRequest's extension", kMbedtls3_6, "mbedtls_ssl_print_extension, from ssl_tls13_generic.c",
             kStart, "CertificateRequest: ", take_certificate_request},
    LineForm{"a peer certificate; its lines follow", kMbedtls, "mbedtls_debug_print_crt, from ssl_tls.c", kStart,
             "peer certificate #", take_peer_certificate},
    // The ServerHello.
    LineForm{"the suite the ServerHello chose", kMbedtls,
             "ssl_cli.c (2.28), ssl_tls12_client.c and ssl_tls13_client.c (3.6)", kValueAfter,
             "server hello, chosen ciphersuite: ", take_chosen_suite},
    LineForm{"TLS 1.3 chosen", kMbedtls3_6, "mbedtls_ssl_print_extension, from ssl_tls13_generic.c", kAnywhere,
             "supported_versions(43) extension received", take_server_tls13},
    // Heap and results.
    LineForm{"an allocation failed", kMbedtls, "ssl_tls.c", kStart, "alloc(", take_alloc_failed},
    LineForm{"a call's error code", kMbedtls, "mbedtls_debug_print_ret, from its caller", kAnywhere, "returned",
             take_error_return},
    LineForm{"a call's byte count", kMbedtls, "mbedtls_debug_print_ret, from its caller", kAnywhere, "returned",
             take_count_return},
};

}  // namespace

bool matches(const LineForm& form, std::string_view text) {
  switch (form.match) {
    case kWhole: return text == form.pattern;
    case kStart: return starts_with(text, form.pattern);
    case kAnywhere: return text.find(form.pattern) != std::string_view::npos;
    case kValueAfter: return !after(text, form.pattern).empty();
  }
  return false;
}

LineRead read_line(std::span<const LineForm> forms, Reading& reading, std::string_view text, size_t line) {
  for (const LineForm& form : forms) {
    if (!matches(form, text)) continue;
    const Take take = form.take(reading, Statement{text, after(text, form.pattern), form.pattern, line});
    if (take != Take::kNotMine) return {take, &form};
  }
  return {};
}

std::span<const LineForm> statement_forms() {
  return kStatementForms;
}

}  // namespace shakedown::explain

// Statement handlers: handshake progress, the server's certificates, and how
// the attempt ended.

#include <fmt/format.h>

#include "log_text.h"
#include "statement_handlers.h"

namespace shakedown::explain {

Take take_handshake_start(Reading& r, const Statement& s) {
  r.start_attempt(s.line);
  return Take::kTaken;
}

// Only once the handshake completed without error: application data came in.
Take take_read_after_handshake(Reading& r, const Statement& s) {
  if (!r.current.handshake_completed || r.current.report.result != 0) return Take::kNotMine;
  r.current.read_after_handshake = true;
  r.event(s.line, "data-in", "application data read after the handshake");
  return Take::kTaken;
}

Take take_handshake_done(Reading& r, const Statement& s) {
  if (!r.current.result_known) {
    r.current.report.result = 0;
    r.current.report.stage = tls::Stage::kDone;
    r.current.result_known = true;
    r.current.handshake_completed = true;
    r.event(s.line, "done", "handshake complete");
  }
  return Take::kTaken;
}

// "client state: 2" (2.28) or "client state: MBEDTLS_SSL_SERVER_HELLO" (3.6).
Take take_client_state(Reading& r, const Statement& s) {
  auto& report = r.current.report;
  int state = -1;
  if (auto num = number(s.rest)) {
    state = static_cast<int>(*num);
  } else {
    state = state_number(trim(s.rest));
  }
  if (state >= 0 && state != report.handshake_state) {
    // The handshake went on: an inner call's error before this was not
    // fatal (x509_verify_cert under MBEDTLS_SSL_VERIFY_OPTIONAL).
    if (r.current.result_known && report.result != 0 && !r.current.result_from_application) {
      r.current.result_known = false;
      report.result = 0;
      report.failed_call.clear();
    }
    report.handshake_state = state;
    r.event(s.line, "state", fmt::format("client state {} ({})", state, state_name(state)));
  }
  if (state >= 0) r.cite(Fact::kState, s.line);
  return state >= 0 ? Take::kTaken : Take::kMalformed;
}

// No certificate to send: TLS 1.2 skips its CertificateVerify.
Take take_skip_certificate_verify(Reading& r, const Statement&) {
  r.current.log.sent_no_certificate = true;
  return Take::kTaken;
}

// TLS 1.3 goes from CLIENT_CERTIFICATE (7) straight to CLIENT_FINISHED (11).
Take take_tls13_skip_certificate_verify(Reading& r, const Statement& s) {
  if (s.text.find("-> 11 ") == std::string_view::npos) return Take::kNotMine;
  return take_skip_certificate_verify(r, s);
}

Take take_certificate_request(Reading& r, const Statement& s) {
  if (!r.current.log.certificate_requested) r.event(s.line, "state", "the server asks for a client certificate");
  r.current.log.certificate_requested = true;
  r.cite(Fact::kState, s.line);
  return Take::kTaken;
}

// The certificate's "key : value" lines follow (Reading::take_certificate_line).
Take take_peer_certificate(Reading& r, const Statement& s) {
  r.in_certificate = true;
  r.cert = device::PeerCertificate{};
  r.cert->depth = static_cast<int>(r.current.report.peer_chain.size());
  r.cite(Fact::kCertificates, s.line);
  return Take::kTaken;
}

// "! Certificate verification flags 00000008" or "Certificate verification flags clear".
Take take_verify_flags(Reading& r, const Statement& s) {
  if (starts_with(s.rest, "clear")) {
    r.current.report.verify_flags = 0;
  } else if (auto flags = number(s.rest.substr(0, s.rest.find(' ')), true)) {
    r.current.report.verify_flags = static_cast<uint32_t>(*flags);
    r.event(s.line, "verify", fmt::format("certificate verify flags {:08x}", *flags));
  } else {
    return Take::kMalformed;
  }
  r.cite(Fact::kVerify, s.line);
  return Take::kTaken;
}

Take take_alloc_failed(Reading& r, const Statement& s) {
  if (s.text.find("failed") == std::string_view::npos) return Take::kNotMine;
  r.cite(Fact::kHeap, s.line);
  r.event(s.line, "error", std::string(s.text));
  return Take::kTaken;
}

// "mbedtls_ssl_read_record() returned -80 (-0x0050)": an Mbed TLS error code.
Take take_error_return(Reading& r, const Statement& s) {
  auto ret = returned(s.text);
  if (!ret || ret->code >= 0 || ret->code <= -0x10000) return Take::kNotMine;
  r.set_result(s.line, ret->call.empty() ? "mbedtls_ssl_handshake" : ret->call, static_cast<int32_t>(ret->code), false,
               std::string(s.text));
  return Take::kTaken;
}

// "f_send() returned 157": a byte count, nothing wrong.
Take take_count_return(Reading&, const Statement& s) {
  return returned(s.text) ? Take::kTaken : Take::kNotMine;
}

}  // namespace shakedown::explain

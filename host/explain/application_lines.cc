// The lines a client program prints itself (no Mbed TLS prefix): the
// verify sentences of x509_crt_verify_info(), an application's
// "! call returned" line, and shakedown's core's own lines.

#include <fmt/format.h>

#include <array>

#include "client_report.h"
#include "log_text.h"
#include "statement_forms.h"

namespace shakedown::explain {
namespace {

using enum Match;
using enum Stack;

// The x509_crt_verify_info() sentences an application prints, and their bits.
struct VerifyPhrase {
  std::string_view phrase;
  uint32_t bit;
};
constexpr std::array kVerifyPhrases = {
    VerifyPhrase{"validity has expired", 0x01},
    VerifyPhrase{"has been revoked", 0x02},
    VerifyPhrase{"does not match with the expected CN", 0x04},
    VerifyPhrase{"not correctly signed by the trusted CA", 0x08},
    VerifyPhrase{"Certificate was missing", 0x40},
    VerifyPhrase{"verification was skipped", 0x80},
    VerifyPhrase{"validity starts in the future", 0x200},
    VerifyPhrase{"does not match the keyUsage", 0x800},
    VerifyPhrase{"does not match the extendedKeyUsage", 0x1000},
    VerifyPhrase{"unacceptable hash", 0x4000},
    VerifyPhrase{"unacceptable PK alg", 0x8000},
    VerifyPhrase{"unacceptable key", 0x10000},
    // ESP-IDF's certificate bundle (esp_crt_bundle.c), not x509_crt_verify_info().
    VerifyPhrase{"No matching trusted root certificate found", 0x08},
};

// The flag names some stacks print instead (curl up to 8.8: "Cert verify
// failed: BADCERT_EXPIRED"), without MBEDTLS_X509_.
Take take_badcert_names(Reading& r, const Statement& s) {
  uint32_t flags = 0;
  for (uint32_t bit = 1; bit != 0 && bit <= 0x80000; bit <<= 1) {
    for (const std::string& name : device::verify_flag_names(bit)) {
      const std::string_view shown = std::string_view(name).substr(std::string_view("MBEDTLS_X509_").size());
      if (s.text.find(shown) != std::string_view::npos) flags |= bit;
    }
  }
  if (flags == 0) return Take::kNotMine;
  r.current.report.verify_flags |= flags;
  r.cite(Fact::kVerify, s.line);
  r.event(s.line, "verify", std::string(trim(s.text)));
  return Take::kTaken;
}

Take take_verify_sentence(Reading& r, const Statement& s) {
  for (const auto& p : kVerifyPhrases) {
    if (p.phrase == s.pattern) r.current.report.verify_flags |= p.bit;
  }
  r.cite(Fact::kVerify, s.line);
  r.event(s.line, "verify", std::string(trim(s.text.substr(s.text.find_first_not_of(" !")))));
  return Take::kTaken;
}

// "peer certificate verify flags 00000008", printed by shakedown's core.
Take take_printed_verify_flags(Reading& r, const Statement& s) {
  if (auto flags = number(s.rest, true)) r.current.report.verify_flags = static_cast<uint32_t>(*flags);
  r.cite(Fact::kVerify, s.line);
  return Take::kTaken;
}

// "  ! mbedtls_x509_crt_parse: 1 certificates of the trust chain skipped", printed by shakedown's core.
Take take_trust_skipped(Reading& r, const Statement& s) {
  const std::string_view t = s.text;
  const size_t colon = t.find(": ");
  if (auto count = colon == std::string_view::npos ? std::nullopt
                                                   : number(t.substr(colon + 2, t.find(' ', colon + 2) - colon - 2))) {
    r.current.report.trust_parse_failures = static_cast<int>(*count);
    r.cite(Fact::kTrust, s.line);
    r.event(s.line, "note", fmt::format("{} certificates of the trust chain did not parse", *count));
  }
  return Take::kTaken;
}

// shakedown's core: "heap: peak 22932 of a 26000-byte budget; arena 1048576" (short: forums wrap at 72).
Take take_heap_peak(Reading& r, const Statement& s) {
  const std::string_view h = s.rest;
  const size_t of = h.find(" of a "), arena_at = h.find("arena ");
  if (of != std::string_view::npos && arena_at != std::string_view::npos) {
    const auto peak = number(h.substr(0, h.find(' ')));
    const auto budget = number(h.substr(of + 6, h.find('-', of) - of - 6));
    const auto arena = number(trim(h.substr(arena_at + 6)));
    if (peak.has_value() && budget.has_value() && arena.has_value()) {
      const auto p = *peak, b = *budget, a = *arena;
      r.current.report.heap_peak = static_cast<uint32_t>(p);
      r.current.report.heap_budget = static_cast<uint32_t>(b);
      r.current.build.heap_capacity = static_cast<uint32_t>(a);
      r.cite(Fact::kHeap, s.line);
      r.event(s.line, "note", fmt::format("heap: peak {} bytes of a {}-byte budget, in a {}-byte arena", p, b, a));
    }
  }
  return Take::kTaken;
}

// Mbed TLS's ssl_client1 and the samples copied from it (STM32Cube's
// SSL_Client): "  . Performing the SSL/TLS handshake... ok".
Take take_sample_handshake_ok(Reading& r, const Statement& s) {
  if (!trim(s.text).ends_with("ok")) return Take::kNotMine;
  r.set_result(s.line, "mbedtls_ssl_handshake", 0, true);
  return Take::kTaken;
}

// An application's own line: "  ! mbedtls_ssl_handshake returned -0x50".
Take take_application_return(Reading& r, const Statement& s) {
  auto ret = returned(s.text);
  if (!ret || ret->code >= 0 || ret->code <= -0x10000 || ret->call.empty()) return Take::kNotMine;
  const bool trust = stage_for_call(ret->call) == tls::Stage::kLoadTrust;
  if (r.current.timeline.empty() && trust) {
    // Before any handshake: the trust chain failed to load.
    r.start_attempt(s.line, "the CA certificates are parsed");
  } else if (r.current.result_known && r.current.result_from_application &&
             (r.current.report.result != ret->code || r.current.report.failed_call != ret->call)) {
    // The application already said how this attempt ended: another failure
    // is another attempt (a thread's second log, after a fix).
    r.start_attempt(s.line, trust ? "the CA certificates are parsed" : "another attempt");
  }
  r.set_result(s.line, ret->call, static_cast<int32_t>(ret->code), true);
  return Take::kTaken;
}

constexpr auto kApplicationForms = [] {
  std::array<LineForm, kVerifyPhrases.size() + 6> forms{};
  size_t i = 0;
  for (const auto& p : kVerifyPhrases) {
    forms[i++] = {"a verify sentence", kApplication, "x509_crt_verify_info()",
                  kAnywhere,           p.phrase,     take_verify_sentence};
  }
  forms[i++] = {"the verify flags as the core prints them",
                kApplication,
                "firmware/core",
                kValueAfter,
                "peer certificate verify flags ",
                take_printed_verify_flags};
  forms[i++] = {"trust certificates that did not parse",   kApplication,      "firmware/core", kAnywhere,
                "certificates of the trust chain skipped", take_trust_skipped};
  forms[i++] = {
      "the heap's peak and budget", kApplication, "firmware/core", kValueAfter, "heap: peak ", take_heap_peak};
  forms[i++] = {"the verify flags by name",         kApplication,      "curl's lib/vtls/mbedtls.c", kAnywhere,
                "BADCERT_",                         take_badcert_names};
  forms[i++] = {"the sample client's handshake done",     kApplication, "Mbed TLS's programs/ssl/ssl_client1.c",
                kAnywhere, "Performing the SSL/TLS handshake...", take_sample_handshake_ok};
  forms[i++] = {"the application's failing call", kApplication, "any client program", kAnywhere, "returned",
                take_application_return};
  return forms;
}();

}  // namespace

std::span<const LineForm> application_forms() {
  return kApplicationForms;
}

}  // namespace shakedown::explain

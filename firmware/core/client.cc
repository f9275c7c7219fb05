#include "shakedown/core/client.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/debug.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>  // MBEDTLS_ERR_NET_*: codes only, no sockets
#include <mbedtls/platform.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <new>

#include "client_hello.h"
#include "mbedtls_compat.h"
#include "record_watch.h"
#include "shakedown/mbedtls_errors/error_names.h"

namespace shakedown::core {
namespace {

// The one place transport statuses become Mbed TLS codes, chosen as
// net_sockets.c would, so every target reports a reset as -0x0050.
int send_status_to_mbedtls(IoStatus status) {
  switch (status) {
    case IoStatus::kWouldBlock: return MBEDTLS_ERR_SSL_WANT_WRITE;
    case IoStatus::kReset:
    case IoStatus::kClosed: return MBEDTLS_ERR_NET_CONN_RESET;  // EPIPE too, as net_sockets.c
    default: return MBEDTLS_ERR_NET_SEND_FAILED;
  }
}

int receive_status_to_mbedtls(IoStatus status) {
  switch (status) {
    case IoStatus::kWouldBlock: return MBEDTLS_ERR_SSL_WANT_READ;
    case IoStatus::kTimedOut: return MBEDTLS_ERR_SSL_TIMEOUT;
    case IoStatus::kClosed: return 0;  // end of stream; Mbed TLS turns it into CONN_EOF
    case IoStatus::kReset: return MBEDTLS_ERR_NET_CONN_RESET;
    default: return MBEDTLS_ERR_NET_RECV_FAILED;
  }
}

int connect_status_to_mbedtls(IoStatus status) {
  return status == IoStatus::kNotAllowed ? MBEDTLS_ERR_NET_UNKNOWN_HOST : MBEDTLS_ERR_NET_CONNECT_FAILED;
}

// What the BIO callbacks need; the watches see every byte either way.
struct Link {
  Transport& transport;
  uint32_t read_timeout_ms;
  RecordWatch sent;
  RecordWatch received;
};

int link_send(void* ctx, const unsigned char* buf, size_t len) {
  auto& link = *static_cast<Link*>(ctx);
  IoResult r = link.transport.send({buf, len});
  if (!r.ok()) return send_status_to_mbedtls(r.status);
  link.sent.feed({buf, r.bytes});
  return static_cast<int>(r.bytes);
}

int link_receive(void* ctx, unsigned char* buf, size_t len, uint32_t timeout_ms) {
  auto& link = *static_cast<Link*>(ctx);
  // Mbed TLS passes 0 for "no timeout"; we never wait without a bound.
  uint32_t bound = timeout_ms != 0 ? timeout_ms : link.read_timeout_ms;
  IoResult r = link.transport.receive({buf, len}, bound);
  if (!r.ok()) return receive_status_to_mbedtls(r.status);
  link.received.feed({buf, r.bytes});
  return static_cast<int>(r.bytes);
}

int entropy_source(void* ctx, unsigned char* out, size_t len, size_t* olen) {
  if (!static_cast<Entropy*>(ctx)->fill({out, len})) return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
  *olen = len;
  return 0;
}

void write_line(LogSink& log, LogSource source, int level, const char* format, ...)
    __attribute__((format(printf, 4, 5)));

void write_line(LogSink& log, LogSource source, int level, const char* format, ...) {
  char buf[256];
  va_list args;
  va_start(args, format);
  int n = std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  if (n < 0) return;
  size_t size = static_cast<size_t>(n);
  if (size >= sizeof buf) {  // cut: say so
    size = sizeof buf - 1;
    std::memcpy(buf + size - 3, "...", 3);
  }
  while (size > 0 && (buf[size - 1] == '\n' || buf[size - 1] == '\r')) --size;
  log.write(source, level, {buf, size});
}

void debug_line(void* ctx, int level, const char* file, int line, const char* text) {
  // Keep only the file's base name: the path prefix varies per project.
  const char* base = std::strrchr(file, '/');
  base = base != nullptr ? base + 1 : file;
  write_line(*static_cast<LogSink*>(ctx), LogSource::kMbedtls, level, "%s:%04d: %s", base, line, text);
}

#if defined(MBEDTLS_PLATFORM_TIME_ALT)
// Mbed TLS asks for the time through a global hook; it reads the Clock of
// the session under way (one at a time per program, like the heap).
Clock* active_clock = nullptr;

mbedtls_time_t clock_time(mbedtls_time_t* out) {
  mbedtls_time_t now = 0;
  if (active_clock != nullptr) now = static_cast<mbedtls_time_t>(active_clock->wall_time_s().value_or(0));
  if (out != nullptr) *out = now;
  return now;
}
#endif

void fail(HandshakeReport& report, Stage stage, const char* call, int code) {
  report.stage = stage;
  report.failed_call = call;
  report.result = code;
  const uint32_t magnitude = code < 0 ? static_cast<uint32_t>(-static_cast<int64_t>(code)) : 0;
  report.result_high = static_cast<uint16_t>(magnitude & 0x7f80u);
  report.result_low = static_cast<uint16_t>(magnitude & 0x007fu);
  mbedtls_errors::format_error_name(code, report.result_name, sizeof report.result_name);
#if defined(MBEDTLS_ERROR_C) || defined(MBEDTLS_ERROR_STRERROR_DUMMY)
  mbedtls_strerror(code, report.result_text, sizeof report.result_text);
#else
  report.result_text[0] = '\0';  // a device config without error strings: the name above still says it
#endif
}

void copy_text(char* out, size_t out_size, const char* text) {
  std::snprintf(out, out_size, "%s", text != nullptr ? text : "");
}

// Called by Mbed TLS for each certificate of the server's chain, from the
// top down; keeps what the report shows of it.
int note_peer_certificate(void* ctx, mbedtls_x509_crt* crt, int depth, uint32_t* flags) {
  auto& report = *static_cast<HandshakeReport*>(ctx);
  if (depth < 0 || static_cast<size_t>(depth) >= HandshakeReport::kMaxPeerCertificates) return 0;
  PeerCertificate& pc = report.peer_chain[depth];
  pc.depth = static_cast<uint8_t>(depth);
  mbedtls_x509_dn_gets(pc.subject, sizeof pc.subject, &crt->subject);
  mbedtls_x509_dn_gets(pc.issuer, sizeof pc.issuer, &crt->issuer);
  copy_text(pc.key_type, sizeof pc.key_type, mbedtls_pk_get_name(&crt->pk));
  pc.key_bits = static_cast<uint16_t>(mbedtls_pk_get_bitlen(&crt->pk));
  copy_text(pc.signature_md, sizeof pc.signature_md, compat::signature_md_name(*crt));
  pc.verify_flags = *flags;
  report.peer_chain_count = std::max(report.peer_chain_count, static_cast<size_t>(depth) + 1);
  return 0;
}

int max_fragment_code(uint16_t bytes) {
  switch (bytes) {
    case 512: return MBEDTLS_SSL_MAX_FRAG_LEN_512;
    case 1024: return MBEDTLS_SSL_MAX_FRAG_LEN_1024;
    case 2048: return MBEDTLS_SSL_MAX_FRAG_LEN_2048;
    case 4096: return MBEDTLS_SSL_MAX_FRAG_LEN_4096;
    default: return -1;
  }
}

int auth_mode(AuthMode mode) {
  switch (mode) {
    case AuthMode::kNone: return MBEDTLS_SSL_VERIFY_NONE;
    case AuthMode::kOptional: return MBEDTLS_SSL_VERIFY_OPTIONAL;
    case AuthMode::kRequired: return MBEDTLS_SSL_VERIFY_REQUIRED;
  }
  return MBEDTLS_SSL_VERIFY_REQUIRED;
}

void copy_alerts(std::span<const Alert> from, Alert* to, size_t& count) {
  count = std::min(from.size(), HandshakeReport::kMaxAlerts);
  std::copy_n(from.begin(), count, to);
}

}  // namespace

// All Mbed TLS state of one session, released in one place.
struct Client::Session {
  explicit Session(Transport& transport, uint32_t read_timeout_ms) : link{transport, read_timeout_ms, {}, {}} {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_x509_crt_init(&trust);
    mbedtls_x509_crt_init(&own_certificate);
    mbedtls_pk_init(&own_key);
    mbedtls_ssl_config_init(&config);
    mbedtls_ssl_init(&ssl);
  }
  ~Session() {
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&config);
    mbedtls_pk_free(&own_key);
    mbedtls_x509_crt_free(&own_certificate);
    mbedtls_x509_crt_free(&trust);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  Link link;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_x509_crt trust;
  mbedtls_x509_crt own_certificate;
  mbedtls_pk_context own_key;
  mbedtls_ssl_config config;
  mbedtls_ssl_context ssl;
  // Mbed TLS keeps pointers to these for the session's life.
  int suites[HandshakeReport::kMaxSuites + 1] = {};
  char hostname[256] = {};
  bool handshake_done = false;
};

std::string_view stage_name(Stage stage) {
  switch (stage) {
    case Stage::kSetup: return "setup";
    case Stage::kLoadTrust: return "load-trust";
    case Stage::kConnect: return "connect";
    case Stage::kHandshake: return "handshake";
    case Stage::kDone: return "done";
    case Stage::kExchange: return "exchange";
  }
  return "unknown";
}

HandshakeReport Client::connect(const ClientOptions& options) {
  static_assert(sizeof(Session) <= kSessionStorage, "raise Client::kSessionStorage");
  close();
  HandshakeReport report;
  heap_.begin(options.heap_budget);
  report.heap_budget = static_cast<uint32_t>(heap_.budget());
#if defined(MBEDTLS_PLATFORM_TIME_ALT)
  active_clock = &clock_;
  mbedtls_platform_set_time(clock_time);
#endif
#if defined(MBEDTLS_DEBUG_C)
  mbedtls_debug_set_threshold(options.debug_level);
#endif
  session_ = new (storage_) Session(transport_, options.read_timeout_ms);
  establish(options, report);
  report.heap_peak = static_cast<uint32_t>(heap_.peak());
  log_outcome(report);
  if (report.stage != Stage::kDone) release();
  return report;
}

// What an application built on Mbed TLS prints (its sample programs word it
// so), for a reader who has only the log: the call that failed and its
// code, the trust chain's certificates that did not parse, and why the
// server's chain did not verify.
void Client::log_outcome(const HandshakeReport& report) {
  if (report.trust_parse_failures > 0) {
    write_line(log_, LogSource::kCore, 1, "  ! mbedtls_x509_crt_parse: %u certificates of the trust chain skipped",
               static_cast<unsigned>(report.trust_parse_failures));
  }
  // All ones: verification never ran.
  if (report.verify_flags != 0 && report.verify_flags != UINT32_MAX) {
    write_line(log_, LogSource::kCore, 1, "  ! peer certificate verify flags %08x",
               static_cast<unsigned>(report.verify_flags));
#if !defined(MBEDTLS_X509_REMOVE_INFO)
    char info[512];
    if (mbedtls_x509_crt_verify_info(info, sizeof info, "  ! ", report.verify_flags) > 0) {
      for (const char* line = info; *line != '\0';) {
        const char* end = std::strchr(line, '\n');
        const size_t length = end != nullptr ? static_cast<size_t>(end - line) : std::strlen(line);
        write_line(log_, LogSource::kCore, 1, "%.*s", static_cast<int>(length), line);
        if (end == nullptr) break;
        line = end + 1;
      }
    }
#endif
  }
  // A failure after a completed handshake reads like a handshake's failure
  // in Mbed TLS's own lines; say where it happened.
  if (report.stage == Stage::kExchange) {
    write_line(log_, LogSource::kCore, 1, "  ! the handshake completed on %s; the first exchange failed",
               report.version);
  }
  // A budget below the arena squeezes the heap on purpose. Mbed TLS hides
  // an allocation that fails inside a signature check behind "not
  // trusted", so a reader of the log needs to know the squeeze was on.
  if (report.stage != Stage::kDone && heap_.budget() < heap_.capacity()) {
    write_line(log_, LogSource::kCore, 1, "  ! heap: peak %u of a %u-byte budget; arena %u",
               static_cast<unsigned>(report.heap_peak), static_cast<unsigned>(heap_.budget()),
               static_cast<unsigned>(heap_.capacity()));
  }
  if (report.stage != Stage::kDone) {
    const int32_t code = report.result;
    write_line(log_, LogSource::kCore, 1, "  ! %s returned %s0x%04x", report.failed_call, code < 0 ? "-" : "",
               static_cast<unsigned>(code < 0 ? -static_cast<int64_t>(code) : code));
  }
}

void Client::establish(const ClientOptions& options, HandshakeReport& report) {
  Session& s = *session_;
  int ret = 0;
  if ((ret = compat::init_crypto()) != 0) return fail(report, Stage::kSetup, "psa_crypto_init", ret);
  mbedtls_entropy_add_source(&s.entropy, entropy_source, &entropy_, 32, MBEDTLS_ENTROPY_SOURCE_STRONG);
  static constexpr unsigned char kPersonalisation[] = "shakedown-client";
  if ((ret = mbedtls_ctr_drbg_seed(&s.drbg, mbedtls_entropy_func, &s.entropy, kPersonalisation,
                                   sizeof kPersonalisation - 1)) != 0) {
    return fail(report, Stage::kSetup, "mbedtls_ctr_drbg_seed", ret);
  }

  // A bundle where some certificates parse returns how many did not (> 0).
  // None at all is a client that trusts nothing (it verifies nothing, or
  // every chain fails): nothing to parse.
  if (!options.ca_certificates.empty()) {
    ret = mbedtls_x509_crt_parse(&s.trust, options.ca_certificates.data(), options.ca_certificates.size());
    if (ret < 0) return fail(report, Stage::kLoadTrust, "mbedtls_x509_crt_parse", ret);
    report.trust_parse_failures = static_cast<uint8_t>(std::min(ret, 255));
  }
  if (!options.own_certificate.empty()) {
    ret = mbedtls_x509_crt_parse(&s.own_certificate, options.own_certificate.data(), options.own_certificate.size());
    if (ret != 0) return fail(report, Stage::kLoadTrust, "mbedtls_x509_crt_parse(own certificate)", ret);
    ret = compat::parse_key(s.own_key, options.own_key, mbedtls_ctr_drbg_random, &s.drbg);
    if (ret != 0) return fail(report, Stage::kLoadTrust, "mbedtls_pk_parse_key", ret);
  }

  if ((ret = mbedtls_ssl_config_defaults(&s.config, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                         MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
    return fail(report, Stage::kSetup, "mbedtls_ssl_config_defaults", ret);
  }
  mbedtls_ssl_conf_authmode(&s.config, auth_mode(options.auth_mode));
  mbedtls_ssl_conf_ca_chain(&s.config, &s.trust, nullptr);
  mbedtls_ssl_conf_verify(&s.config, note_peer_certificate, &report);
  mbedtls_ssl_conf_rng(&s.config, mbedtls_ctr_drbg_random, &s.drbg);
  mbedtls_ssl_conf_dbg(&s.config, debug_line, &log_);
  mbedtls_ssl_conf_read_timeout(&s.config, options.read_timeout_ms);
  if ((ret = compat::set_version_range(s.config, options.min_version, options.max_version)) != 0) {
    return fail(report, Stage::kSetup, "mbedtls_ssl_conf_min/max_version", ret);
  }
  if (!options.ciphersuites.empty()) {
    size_t n = std::min(options.ciphersuites.size(), HandshakeReport::kMaxSuites);
    std::copy_n(options.ciphersuites.begin(), n, s.suites);
    s.suites[n] = 0;
    mbedtls_ssl_conf_ciphersuites(&s.config, s.suites);
  }
  if (!options.psk.empty() && (ret = compat::conf_psk(s.config, options.psk, options.psk_identity)) != 0) {
    return fail(report, Stage::kSetup, "mbedtls_ssl_conf_psk", ret);
  }
  if (options.max_fragment_length != 0) {
    int code = max_fragment_code(options.max_fragment_length);
#if defined(MBEDTLS_SSL_MAX_FRAGMENT_LENGTH)
    ret = code < 0 ? MBEDTLS_ERR_SSL_BAD_INPUT_DATA
                   : mbedtls_ssl_conf_max_frag_len(&s.config, static_cast<unsigned char>(code));
#else
    (void)code;
    ret = MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE;
#endif
    if (ret != 0) return fail(report, Stage::kSetup, "mbedtls_ssl_conf_max_frag_len", ret);
  }
  if (!options.own_certificate.empty() &&
      (ret = mbedtls_ssl_conf_own_cert(&s.config, &s.own_certificate, &s.own_key)) != 0) {
    return fail(report, Stage::kSetup, "mbedtls_ssl_conf_own_cert", ret);
  }
  if ((ret = mbedtls_ssl_setup(&s.ssl, &s.config)) != 0) return fail(report, Stage::kSetup, "mbedtls_ssl_setup", ret);
  if (!options.hostname.empty()) {
    std::snprintf(s.hostname, sizeof s.hostname, "%.*s", static_cast<int>(options.hostname.size()),
                  options.hostname.data());
    if ((ret = mbedtls_ssl_set_hostname(&s.ssl, s.hostname)) != 0) {
      return fail(report, Stage::kSetup, "mbedtls_ssl_set_hostname", ret);
    }
  }
  mbedtls_ssl_set_bio(&s.ssl, &s.link, link_send, nullptr, link_receive);

  const uint64_t start = clock_.monotonic_ms();
  IoStatus connected = transport_.connect(options.server_address, options.server_port, options.connect_timeout_ms);
  if (connected != IoStatus::kOk) {
    report.connect_status = connected;
    return fail(report, Stage::kConnect, "connect", connect_status_to_mbedtls(connected));
  }

  // Our transports block up to the read timeout, so WANT_READ/WANT_WRITE
  // only come from a non-blocking backend; bound the retries by time anyway.
  const uint64_t deadline = start + 4ull * options.read_timeout_ms;
  do {
    ret = mbedtls_ssl_handshake(&s.ssl);
  } while ((ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) && clock_.monotonic_ms() < deadline);
  if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) ret = MBEDTLS_ERR_SSL_TIMEOUT;

  report.duration_ms = static_cast<uint32_t>(clock_.monotonic_ms() - start);
  report.handshake_state = compat::handshake_state(s.ssl);
  report.verify_flags = mbedtls_ssl_get_verify_result(&s.ssl);
  int offered = parse_client_hello_suites(s.link.sent.prefix(), report.offered_suites);
  report.offered_suite_count = offered < 0 ? 0 : std::min(static_cast<size_t>(offered), HandshakeReport::kMaxSuites);
  report.sent = s.link.sent.traffic();
  report.received = s.link.received.traffic();
  copy_alerts(s.link.sent.alerts(), report.alerts_sent, report.alerts_sent_count);
  copy_alerts(s.link.received.alerts(), report.alerts_received, report.alerts_received_count);
  if (ret != 0) return fail(report, Stage::kHandshake, "mbedtls_ssl_handshake", ret);

  report.stage = Stage::kDone;
  s.handshake_done = true;
  copy_text(report.version, sizeof report.version, mbedtls_ssl_get_version(&s.ssl));
  copy_text(report.suite, sizeof report.suite, mbedtls_ssl_get_ciphersuite(&s.ssl));
  report.suite_id = static_cast<uint16_t>(mbedtls_ssl_get_ciphersuite_id(report.suite));
  // A ServerKeyExchange names a curve only for ECDHE; TLS 1.3 always has a key_share.
  if (std::strstr(report.suite, "ECDHE") != nullptr || std::strcmp(report.version, "TLSv1.3") == 0) {
    report.group_id = s.link.received.group();
  }
  // The verify callback's pointer into `report` must not outlive this call.
  mbedtls_ssl_conf_verify(&s.config, nullptr, nullptr);
  if (!options.first_request.empty()) exchange_first(options, report);
}

void Client::exchange_first(const ClientOptions& options, HandshakeReport& report) {
  int ret = write(options.first_request);
  unsigned char reply[64];
  if (ret < 0) {
    // A server that hangs up may have said why first (a TLS 1.3 server's
    // alert 116 comes just before its reset): read it for the report.
    note_alert(read(reply, options.read_timeout_ms), report);
    return fail(report, Stage::kExchange, "mbedtls_ssl_write", ret);
  }
  ret = read(reply, options.read_timeout_ms);
  note_alert(ret, report);
  // 0 is a clean close before any reply: Mbed TLS's close_notify code says so.
  if (ret == 0) ret = MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY;
  if (ret < 0) return fail(report, Stage::kExchange, "mbedtls_ssl_read", ret);
  report.reply_bytes = static_cast<uint32_t>(ret);
}

void Client::note_alert(int read_result, HandshakeReport& report) {
  if (read_result == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE &&
      report.alerts_received_count < HandshakeReport::kMaxAlerts) {
    report.alerts_received[report.alerts_received_count++] = {2, compat::received_alert_description(session_->ssl)};
  }
}

int Client::write(std::span<const uint8_t> data) {
  if (session_ == nullptr || !session_->handshake_done) return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
  int ret = 0;
  for (int attempt = 0; attempt < 16; ++attempt) {
    ret = mbedtls_ssl_write(&session_->ssl, data.data(), data.size());
    if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) break;
  }
  return ret;
}

int Client::read(std::span<uint8_t> out, uint32_t timeout_ms) {
  if (session_ == nullptr || !session_->handshake_done) return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
  mbedtls_ssl_conf_read_timeout(&session_->config, timeout_ms);
  // TLS 1.3 session tickets and other post-handshake messages may come
  // before the data; Mbed TLS reads them inside mbedtls_ssl_read, which may
  // then ask to be called again. Bounded by the timeout, as the handshake is.
  auto read_again = [](int code) {
    return code == MBEDTLS_ERR_SSL_WANT_READ || code == MBEDTLS_ERR_SSL_WANT_WRITE
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
           || code == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET
#endif
        ;
  };
  const uint64_t deadline = clock_.monotonic_ms() + timeout_ms;
  int ret = 0;
  do {
    ret = mbedtls_ssl_read(&session_->ssl, out.data(), out.size());
  } while (read_again(ret) && clock_.monotonic_ms() < deadline);
  if (read_again(ret)) ret = MBEDTLS_ERR_SSL_TIMEOUT;
  return ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ? 0 : ret;
}

void Client::close() {
  if (session_ == nullptr) return;
  if (session_->handshake_done) {
    // An orderly goodbye; its outcome changes nothing already reported.
    for (int attempt = 0; attempt < 8; ++attempt) {
      int r = mbedtls_ssl_close_notify(&session_->ssl);
      if (r != MBEDTLS_ERR_SSL_WANT_READ && r != MBEDTLS_ERR_SSL_WANT_WRITE) break;
    }
  }
  release();
}

void Client::release() {
  session_->~Session();
  session_ = nullptr;
  compat::free_crypto();
  transport_.close();
  if (size_t leaked = heap_.in_use(); leaked != 0) {
    write_line(log_, LogSource::kCore, 1, "heap: %u bytes still allocated after the session",
               static_cast<unsigned>(leaked));
  }
  heap_.end();
#if defined(MBEDTLS_PLATFORM_TIME_ALT)
  active_clock = nullptr;
#endif
}

}  // namespace shakedown::core

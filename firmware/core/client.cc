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
#include <cstdio>
#include <cstring>

#include "client_hello.h"
#include "mbedtls_compat.h"
#include "shakedown/core/error_names.h"

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

// What the BIO callbacks need, and the client's first flight kept for the
// report (a ClientHello is a few hundred bytes for a device config).
struct Link {
  Transport& transport;
  uint32_t read_timeout_ms;
  uint8_t first_flight[1024] = {};
  size_t first_flight_size = 0;
};

int link_send(void* ctx, const unsigned char* buf, size_t len) {
  auto& link = *static_cast<Link*>(ctx);
  IoResult r = link.transport.send({buf, len});
  if (!r.ok()) return send_status_to_mbedtls(r.status);
  size_t keep = std::min(r.bytes, sizeof link.first_flight - link.first_flight_size);
  std::memcpy(link.first_flight + link.first_flight_size, buf, keep);
  link.first_flight_size += keep;
  return static_cast<int>(r.bytes);
}

int link_receive(void* ctx, unsigned char* buf, size_t len, uint32_t timeout_ms) {
  auto& link = *static_cast<Link*>(ctx);
  // Mbed TLS passes 0 for "no timeout"; we never wait without a bound.
  uint32_t bound = timeout_ms != 0 ? timeout_ms : link.read_timeout_ms;
  IoResult r = link.transport.receive({buf, len}, bound);
  if (!r.ok()) return receive_status_to_mbedtls(r.status);
  return static_cast<int>(r.bytes);
}

int entropy_source(void* ctx, unsigned char* out, size_t len, size_t* olen) {
  if (!static_cast<Entropy*>(ctx)->fill({out, len})) return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
  *olen = len;
  return 0;
}

void debug_line(void* ctx, int level, const char* file, int line, const char* text) {
  // Keep only the file's base name: the path prefix varies per project.
  const char* base = std::strrchr(file, '/');
  base = base != nullptr ? base + 1 : file;
  char buf[256];
  int n = std::snprintf(buf, sizeof buf, "%s:%04d: %s", base, line, text);
  if (n < 0) return;
  size_t size = static_cast<size_t>(n);
  if (size >= sizeof buf) {  // cut: say so
    size = sizeof buf - 1;
    std::memcpy(buf + size - 3, "...", 3);
  }
  while (size > 0 && (buf[size - 1] == '\n' || buf[size - 1] == '\r')) --size;
  static_cast<LogSink*>(ctx)->write(LogSource::kMbedtls, level, {buf, size});
}

#if defined(MBEDTLS_PLATFORM_TIME_ALT)
// Mbed TLS asks for the time through a global hook; it reads the Clock of
// the handshake under way (one at a time per process).
Clock* active_clock = nullptr;

mbedtls_time_t clock_time(mbedtls_time_t* out) {
  mbedtls_time_t now = 0;
  if (active_clock != nullptr) now = static_cast<mbedtls_time_t>(active_clock->wall_time_s().value_or(0));
  if (out != nullptr) *out = now;
  return now;
}
#endif

// All Mbed TLS state of one handshake, released in one place.
struct Session {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_x509_crt trust;
  mbedtls_ssl_config config;
  mbedtls_ssl_context ssl;

  Session() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_x509_crt_init(&trust);
    mbedtls_ssl_config_init(&config);
    mbedtls_ssl_init(&ssl);
  }
  ~Session() {
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&config);
    mbedtls_x509_crt_free(&trust);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
};

void fail(HandshakeReport& report, Stage stage, const char* call, int code) {
  report.stage = stage;
  report.failed_call = call;
  report.result = code;
  format_error_name(code, report.result_name, sizeof report.result_name);
  mbedtls_strerror(code, report.result_text, sizeof report.result_text);
}

void copy_text(char* out, size_t out_size, const char* text) {
  std::snprintf(out, out_size, "%s", text != nullptr ? text : "");
}

}  // namespace

std::string_view stage_name(Stage stage) {
  switch (stage) {
    case Stage::kSetup: return "setup";
    case Stage::kLoadTrust: return "load-trust";
    case Stage::kConnect: return "connect";
    case Stage::kHandshake: return "handshake";
    case Stage::kDone: return "done";
  }
  return "unknown";
}

HandshakeReport Client::handshake(const ClientOptions& options) {
  HandshakeReport report;
  Session s;
  Link link{transport_, options.read_timeout_ms};
  int ret = 0;

#if defined(MBEDTLS_PLATFORM_TIME_ALT)
  active_clock = &clock_;
  mbedtls_platform_set_time(clock_time);
#endif
#if defined(MBEDTLS_DEBUG_C)
  mbedtls_debug_set_threshold(options.debug_level);
#endif

  if ((ret = compat::init_crypto()) != 0) return fail(report, Stage::kSetup, "psa_crypto_init", ret), report;
  mbedtls_entropy_add_source(&s.entropy, entropy_source, &entropy_, 32, MBEDTLS_ENTROPY_SOURCE_STRONG);
  static constexpr unsigned char kPersonalisation[] = "shakedown-client";
  if ((ret = mbedtls_ctr_drbg_seed(&s.drbg, mbedtls_entropy_func, &s.entropy, kPersonalisation,
                                   sizeof kPersonalisation - 1)) != 0) {
    return fail(report, Stage::kSetup, "mbedtls_ctr_drbg_seed", ret), report;
  }

  // A bundle where some certificates parse returns how many did not (> 0).
  ret = mbedtls_x509_crt_parse(&s.trust, options.ca_certificates.data(), options.ca_certificates.size());
  if (ret < 0) return fail(report, Stage::kLoadTrust, "mbedtls_x509_crt_parse", ret), report;

  if ((ret = mbedtls_ssl_config_defaults(&s.config, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                         MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
    return fail(report, Stage::kSetup, "mbedtls_ssl_config_defaults", ret), report;
  }
  mbedtls_ssl_conf_authmode(&s.config, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_ca_chain(&s.config, &s.trust, nullptr);
  mbedtls_ssl_conf_rng(&s.config, mbedtls_ctr_drbg_random, &s.drbg);
  mbedtls_ssl_conf_dbg(&s.config, debug_line, &log_);
  mbedtls_ssl_conf_read_timeout(&s.config, options.read_timeout_ms);
  if ((ret = mbedtls_ssl_setup(&s.ssl, &s.config)) != 0) {
    return fail(report, Stage::kSetup, "mbedtls_ssl_setup", ret), report;
  }
  if (!options.hostname.empty()) {
    char name[256];
    std::snprintf(name, sizeof name, "%.*s", static_cast<int>(options.hostname.size()), options.hostname.data());
    if ((ret = mbedtls_ssl_set_hostname(&s.ssl, name)) != 0) {
      return fail(report, Stage::kSetup, "mbedtls_ssl_set_hostname", ret), report;
    }
  }
  mbedtls_ssl_set_bio(&s.ssl, &link, link_send, nullptr, link_receive);

  uint64_t start = clock_.monotonic_ms();
  IoStatus connected = transport_.connect(options.server_address, options.server_port, options.connect_timeout_ms);
  if (connected != IoStatus::kOk) {
    return fail(report, Stage::kConnect, "connect", connect_status_to_mbedtls(connected)), report;
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
  int offered = parse_client_hello_suites({link.first_flight, link.first_flight_size}, report.offered_suites);
  report.offered_suite_count =
      offered < 0 ? 0 : std::min<size_t>(static_cast<size_t>(offered), HandshakeReport::kMaxSuites);

  if (ret != 0) {
    fail(report, Stage::kHandshake, "mbedtls_ssl_handshake", ret);
  } else {
    report.stage = Stage::kDone;
    copy_text(report.version, sizeof report.version, mbedtls_ssl_get_version(&s.ssl));
    copy_text(report.suite, sizeof report.suite, mbedtls_ssl_get_ciphersuite(&s.ssl));
    report.suite_id = static_cast<uint16_t>(mbedtls_ssl_get_ciphersuite_id(report.suite));
    // An orderly goodbye; its outcome does not change the handshake's.
    for (int attempt = 0; attempt < 8; ++attempt) {
      int r = mbedtls_ssl_close_notify(&s.ssl);
      if (r != MBEDTLS_ERR_SSL_WANT_READ && r != MBEDTLS_ERR_SSL_WANT_WRITE) break;
    }
  }
  transport_.close();
#if defined(MBEDTLS_PLATFORM_TIME_ALT)
  active_clock = nullptr;
#endif
  return report;
}

}  // namespace shakedown::core

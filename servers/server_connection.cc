#include "server_connection.h"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <asio/experimental/awaitable_operators.hpp>
#include <filesystem>
#include <fstream>
#include <variant>
#include <vector>

#include "key_log.h"
#include "openssl_client_hello.h"
#include "shakedown/tls/alert.h"

namespace shakedown::servers {

using asio::use_awaitable;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

// The signature scheme the server signed its key exchange (TLS 1.2) or
// CertificateVerify (TLS 1.3) with, from OpenSSL's signature type and hash
// and the key's type; 0 with no scheme (TLS 1.0 and 1.1). Whether it signed
// at all is ServerConnection::signed_anything's to say.
uint16_t signature_scheme_signed_with(SSL* ssl) {
  int type = NID_undef, hash = NID_undef;
  if (SSL_get_signature_type_nid(ssl, &type) != 1 || SSL_get_signature_nid(ssl, &hash) != 1) return 0;
  const auto by_hash = [hash](uint16_t sha1, uint16_t sha224, uint16_t sha256, uint16_t sha384,
                              uint16_t sha512) -> uint16_t {
    switch (hash) {
      case NID_sha1: return sha1;
      case NID_sha224: return sha224;
      case NID_sha256: return sha256;
      case NID_sha384: return sha384;
      case NID_sha512: return sha512;
      default: return 0;
    }
  };
  EVP_PKEY* key = SSL_get_privatekey(ssl);
  const bool pss_key = key != nullptr && EVP_PKEY_is_a(key, "RSA-PSS");
  switch (type) {
    case EVP_PKEY_RSA: return by_hash(0x0201, 0x0301, 0x0401, 0x0501, 0x0601);
    case EVP_PKEY_RSA_PSS:
      return pss_key ? by_hash(0, 0, 0x0809, 0x080a, 0x080b) : by_hash(0, 0, 0x0804, 0x0805, 0x0806);
    case EVP_PKEY_EC: return by_hash(0x0203, 0x0303, 0x0403, 0x0503, 0x0603);
    case EVP_PKEY_ED25519: return 0x0807;
    case EVP_PKEY_ED448: return 0x0808;
    default: return 0;
  }
}

// Where the connection lives while OpenSSL calls back.
int connection_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// Serves `chain` on this connection instead of the context's: its leaf and
// key, then its intermediates, the leaf's issuer first.
bool use_chain(SSL* ssl, const Chain& chain) {
  if (SSL_use_certificate(ssl, chain.leaf().cert.get()) != 1 || SSL_use_PrivateKey(ssl, chain.leaf().key.get()) != 1) {
    return false;
  }
  SSL_clear_chain_certs(ssl);
  for (size_t i = chain.certs.size() - 1; i-- > 1;) SSL_add1_chain_cert(ssl, chain.certs[i].cert.get());
  return true;
}

}  // namespace

ServerConnection::ServerConnection(const EndpointConfig& config, SSL_CTX* ctx, tcp::socket socket, size_t number)
    : config_(config), ctx_(ctx), socket_(std::move(socket)), number_(number), refragmenter_(config.record_size) {}

asio::awaitable<void> ServerConnection::pause(std::chrono::milliseconds duration) {
  asio::steady_timer timer(socket_.get_executor(), duration);
  asio::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(use_awaitable, ignored));
}

// Puts bytes on the wire as the endpoint's behaviour says: dribbled, and
// noted in the capture.
asio::awaitable<bool> ServerConnection::send(std::span<const uint8_t> bytes) {
  const size_t step = config_.dribble_bytes > 0 ? config_.dribble_bytes : bytes.size();
  for (size_t done = 0; done < bytes.size(); done += step) {
    if (done > 0) co_await pause(config_.dribble_every);
    auto chunk = bytes.subspan(done, std::min(step, bytes.size() - done));
    sent_stream_.feed(chunk, elapsed_ms(), capture_.records_sent, capture_.transcript, capture_.alerts);
    if (tcp_trace_) tcp_trace_->server_to_client(chunk);
    asio::error_code ec;
    co_await asio::async_write(socket_, asio::buffer(chunk.data(), chunk.size()),
                               asio::redirect_error(use_awaitable, ec));
    if (ec) co_return false;
  }
  co_return true;
}

// Sends what OpenSSL has written so far, reshaped as configured.
asio::awaitable<bool> ServerConnection::flush() {
  char* data = nullptr;
  long n = BIO_get_mem_data(wbio_, &data);
  if (n <= 0) co_return true;
  std::vector<uint8_t> bytes(data, data + n);
  (void)BIO_reset(wbio_);
  if (config_.record_size > 0) bytes = refragmenter_.apply(bytes);
  if (config_.ignore_max_fragment_length) bytes = coalesce_handshake_records(bytes, coalesce_encrypted_);
  size_t cut = bytes.size();
  if (config_.stall_before >= 0 && !stalled_) {
    cut = find_handshake_record(bytes, config_.stall_before, stall_scan_encrypted_);
  }
  if (!co_await send({bytes.data(), cut})) co_return false;
  if (cut < bytes.size()) {
    stalled_ = true;
    capture_.behaviour = fmt::format("stalled {} ms before {}", config_.stall_for.count(),
                                     tls::handshake_type_name(config_.stall_before));
    co_await pause(config_.stall_for);
    co_return co_await send(std::span<const uint8_t>(bytes).subspan(cut));
  }
  co_return true;
}

// Reads what the client sent into OpenSSL, waiting at most idle_timeout.
asio::awaitable<ServerConnection::Read> ServerConnection::read() {
  asio::steady_timer timer(socket_.get_executor(), config_.idle_timeout);
  asio::error_code read_ec, timer_ec;
  auto result =
      co_await (socket_.async_read_some(asio::buffer(buffer_), asio::redirect_error(use_awaitable, read_ec)) ||
                timer.async_wait(asio::redirect_error(use_awaitable, timer_ec)));
  if (result.index() == 1) co_return Read::kTimedOut;
  if (read_ec) {
    client_reset_ = read_ec == asio::error::connection_reset;
    client_closed_ = !client_reset_;
    co_return Read::kClosed;
  }
  const size_t got = std::get<0>(result);
  received_stream_.feed({buffer_.data(), got}, elapsed_ms(), capture_.records_received, capture_.transcript,
                        capture_.alerts);
  if (tcp_trace_) tcp_trace_->client_to_server({buffer_.data(), got});
  BIO_write(rbio_, buffer_.data(), static_cast<int>(got));
  co_return Read::kData;
}

// OpenSSL picks a scheme for its certificate even where nothing is signed:
// only TLS 1.2's (EC)DHE key exchanges sign their ServerKeyExchange (RSA
// sends none, the PSK ones an unsigned one), and TLS 1.3 with a pre-shared
// key sends no CertificateVerify.
bool ServerConnection::signed_anything() const {
  if (SSL_version(ssl_.get()) >= TLS1_3_VERSION) return SSL_session_reused(ssl_.get()) == 0;
  const int kx = SSL_CIPHER_get_kx_nid(SSL_get_current_cipher(ssl_.get()));
  const auto& t = capture_.transcript;
  return (kx == NID_kx_ecdhe || kx == NID_kx_dhe) &&
         std::any_of(t.begin(), t.end(), [](const HandshakeMessage& m) { return m.from_server && m.type == 12; });
}

asio::awaitable<void> ServerConnection::handshake() {
  for (;;) {
    ERR_clear_error();
    int r = SSL_do_handshake(ssl_.get());
    if (r == 1) {
      co_await flush();
      capture_.end = ConnectionEnd::kHandshakeDone;
      capture_.negotiated_version = SSL_get_version(ssl_.get());
      capture_.negotiated_suite = SSL_CIPHER_standard_name(SSL_get_current_cipher(ssl_.get()));
      capture_.negotiated_signature = signed_anything() ? signature_scheme_signed_with(ssl_.get()) : 0;
      co_return;
    }
    const int error = SSL_get_error(ssl_.get(), r);
    if (error == SSL_ERROR_WANT_CLIENT_HELLO_CB) {  // paused on purpose by on_client_hello
      co_await misbehave();
      co_return;
    }
    if (error == SSL_ERROR_WANT_READ) {
      Read got = co_await flush() ? co_await read() : Read::kClosed;
      if (got == Read::kData) continue;
      capture_.end = got == Read::kTimedOut ? ConnectionEnd::kTimedOut : ConnectionEnd::kClientClosed;
      co_return;
    }
    capture_.verdict = take_openssl_errors("handshake failed");
    co_await fail();
    co_return;
  }
}

// The ClientHello is in (and captured); break off as configured.
asio::awaitable<void> ServerConnection::misbehave() {
  asio::error_code ignored;
  capture_.end = ConnectionEnd::kMisbehaved;
  switch (config_.after_client_hello) {
    case AfterClientHello::kReset:
      capture_.behaviour = "reset after the ClientHello";
      socket_.set_option(tcp::socket::linger(true, 0), ignored);
      server_reset_ = true;
      break;
    case AfterClientHello::kClose:
      capture_.behaviour = "closed after the ClientHello";
      socket_.shutdown(tcp::socket::shutdown_send, ignored);
      co_await drain_until_closed();
      break;
    case AfterClientHello::kSilence:
      capture_.behaviour = "silent after the ClientHello";
      co_await drain_until_closed();
      break;
    case AfterClientHello::kAlert: {
      capture_.behaviour = fmt::format("fatal alert {} after the ClientHello", config_.alert_description);
      const uint8_t alert[] = {21, 3, 3, 0, 2, 2, config_.alert_description};
      co_await send(alert);
      socket_.shutdown(tcp::socket::shutdown_send, ignored);
      co_await drain_until_closed();
      break;
    }
    case AfterClientHello::kNegotiate: break;
  }
}

// Reads (and notes) whatever the client still sends until it closes or
// goes quiet for the idle timeout.
asio::awaitable<void> ServerConnection::drain_until_closed() {
  // Not `while (co_await read() == ...)`: g++ 12 miscompiles a co_await in
  // a loop condition (the coroutine hits an illegal instruction).
  for (;;) {
    Read got = co_await read();
    if (got != Read::kData) co_return;
  }
}

// The handshake failed: OpenSSL's alert is waiting in the write BIO.
asio::awaitable<void> ServerConnection::fail() {
  asio::error_code ignored;
  switch (config_.on_handshake_failure) {
    case OnHandshakeFailure::kAlert:
      if (config_.version_refusal_alert) replace_version_alert(*config_.version_refusal_alert);
      co_await flush();
      capture_.end = ConnectionEnd::kFailedWithAlert;
      break;
    case OnHandshakeFailure::kReset:
      (void)BIO_reset(wbio_);                                     // the alert never leaves
      socket_.set_option(tcp::socket::linger(true, 0), ignored);  // close() now sends RST
      server_reset_ = true;
      capture_.end = ConnectionEnd::kFailedWithReset;
      break;
    case OnHandshakeFailure::kClose:
      (void)BIO_reset(wbio_);
      socket_.shutdown(tcp::socket::shutdown_send, ignored);
      capture_.end = ConnectionEnd::kFailedWithClose;
      break;
  }
}

// OpenSSL's refusal of the versions is one plaintext alert record waiting in
// the write BIO: 21 (alert), the record version, length 2, fatal (2), 70.
void ServerConnection::replace_version_alert(uint8_t description) {
  constexpr uint8_t kProtocolVersion = 70;
  char* data = nullptr;
  const long n = BIO_get_mem_data(wbio_, &data);
  if (n != 7 || data[0] != 21 || data[3] != 0 || data[4] != 2 || data[5] != 2) return;
  if (static_cast<uint8_t>(data[6]) != kProtocolVersion) return;
  data[6] = static_cast<char>(description);
  capture_.behaviour = fmt::format("refused the versions with alert {}, not OpenSSL's protocol_version", description);
}

// After the handshake: echo what the client sends, as a device's first
// exchange expects, until its close_notify or EOF. The client's first
// request may have come with its Finished, so read what is here first.
asio::awaitable<void> ServerConnection::echo_until_closed() {
  for (;;) {
    int n = 0;
    while ((n = SSL_read(ssl_.get(), buffer_.data(), static_cast<int>(buffer_.size()))) > 0) {
      SSL_write(ssl_.get(), buffer_.data(), n);  // into the memory BIO: whole, or not at all
    }
    if (SSL_get_shutdown(ssl_.get()) & SSL_RECEIVED_SHUTDOWN) {
      SSL_shutdown(ssl_.get());
      co_await flush();
      co_return;
    }
    if (SSL_get_error(ssl_.get(), n) != SSL_ERROR_WANT_READ) co_return;
    co_await flush();
    Read got = co_await read();  // see drain_until_closed: no co_await in conditions
    if (got != Read::kData) co_return;
  }
}

void ServerConnection::start_trace() {
  const auto& dir = config_.capture_dir;
  std::error_code fs_ec;
  std::filesystem::create_directories(dir, fs_ec);
  const auto base = dir / fmt::format("connection-{}", number_);
  pcap_.emplace(base.string() + ".pcap");
  asio::error_code ec;
  tcp_trace_.emplace(*pcap_, socket_.remote_endpoint(ec).port(), socket_.local_endpoint(ec).port());
  attach_key_log(ssl_.get(), &key_log_);
  capture_.pcap_path = base.string() + ".pcap";
  capture_.key_log_path = base.string() + ".keys";
}

void ServerConnection::finish_trace() {
  if (!tcp_trace_) return;
  if (server_reset_ || client_reset_) {
    tcp_trace_->reset(server_reset_);
  } else {
    tcp_trace_->close(/*by_server=*/!client_closed_);
  }
  std::ofstream(capture_.key_log_path) << key_log_;
  attach_key_log(ssl_.get(), nullptr);
}

double ServerConnection::elapsed_ms() const {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - accepted_).count();
}

asio::awaitable<ConnectionCapture> ServerConnection::run() {
  ssl_.reset(SSL_new(ctx_));
  rbio_ = BIO_new(BIO_s_mem());
  wbio_ = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl_.get(), rbio_, wbio_);
  SSL_set_accept_state(ssl_.get());
  SSL_set_ex_data(ssl_.get(), connection_index(), this);
  if (!config_.capture_dir.empty()) start_trace();
  co_await handshake();
  if (capture_.end == ConnectionEnd::kHandshakeDone) co_await echo_until_closed();
  asio::error_code ignored;
  socket_.close(ignored);
  capture_.end_ms = elapsed_ms();
  capture_.client_reset = client_reset_;
  finish_trace();
  co_return std::move(capture_);
}

int ServerConnection::on_client_hello(SSL* ssl, int* alert, void* /*arg*/) {
  auto* connection = static_cast<ServerConnection*>(SSL_get_ex_data(ssl, connection_index()));
  connection->capture_.client_hello = read_client_hello(ssl);
  const EndpointConfig& config = connection->config_;
  if (config.after_client_hello != AfterClientHello::kNegotiate) return SSL_CLIENT_HELLO_RETRY;
  const std::string& name = connection->capture_.client_hello->server_name;
  for (const auto& named : config.sni_chains) {
    if (named.server_name == name && named.chain != nullptr) {
      if (!use_chain(ssl, *named.chain)) return SSL_CLIENT_HELLO_ERROR;
      return SSL_CLIENT_HELLO_SUCCESS;
    }
  }
  if (config.require_sni) {
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_CLIENT_HELLO_ERROR;
  }
  return SSL_CLIENT_HELLO_SUCCESS;
}

}  // namespace shakedown::servers

#include "test_server.h"

#include <openssl/err.h>

#include <array>
#include <asio.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <stdexcept>
#include <variant>

namespace shakedown::servers {

using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

int version_from_name(const std::string& name, const char* field) {
  if (name == "tls1.0") return TLS1_VERSION;
  if (name == "tls1.1") return TLS1_1_VERSION;
  if (name == "tls1.2") return TLS1_2_VERSION;
  if (name == "tls1.3") return TLS1_3_VERSION;
  throw std::runtime_error(std::string(field) + ": unknown TLS version '" + name +
                           "' (expected tls1.0, tls1.1, tls1.2 or tls1.3)");
}

// Where the connection's capture lives while OpenSSL calls back.
int capture_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

std::string server_name_from(const unsigned char* p, size_t n) {
  // server_name_list: u16 length, then entries of u8 type, u16 length, name.
  if (n < 5 || p[2] != 0) return {};
  size_t len = static_cast<size_t>(p[3]) << 8 | p[4];
  if (5 + len > n) return {};
  return std::string(reinterpret_cast<const char*>(p + 5), len);
}

int on_client_hello(SSL* ssl, int* /*alert*/, void* /*arg*/) {
  auto* capture = static_cast<ConnectionCapture*>(SSL_get_ex_data(ssl, capture_index()));
  ClientHelloCapture hello;
  hello.legacy_version = static_cast<uint16_t>(SSL_client_hello_get0_legacy_version(ssl));
  const unsigned char* p = nullptr;
  size_t n = SSL_client_hello_get0_ciphers(ssl, &p);
  for (size_t i = 0; i + 1 < n; i += 2) hello.cipher_suites.push_back(static_cast<uint16_t>(p[i] << 8 | p[i + 1]));
  int* types = nullptr;
  size_t count = 0;
  if (SSL_client_hello_get1_extensions_present(ssl, &types, &count) == 1) {
    hello.extensions.assign(types, types + count);
    OPENSSL_free(types);
  }
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &p, &n) == 1) hello.server_name = server_name_from(p, n);
  capture->client_hello = std::move(hello);
  return SSL_CLIENT_HELLO_SUCCESS;
}

// Splits the server's outgoing byte stream into records, noting each one's
// type, length and (while in plaintext) first handshake message.
class RecordTracker {
 public:
  void feed(const uint8_t* p, size_t n, std::vector<RecordSent>& out) {
    while (n > 0) {
      if (header_have_ < header_.size()) {
        size_t take = std::min(n, header_.size() - header_have_);
        std::copy(p, p + take, header_.begin() + static_cast<long>(header_have_));
        header_have_ += take, p += take, n -= take;
        if (header_have_ == header_.size()) {
          RecordSent r{header_[0], static_cast<size_t>(header_[3]) << 8 | header_[4], -1};
          out.push_back(r);
          body_left_ = r.length;
          want_type_ = r.content_type == 22 && !encrypted_;
          if (r.content_type == 20) encrypted_ = true;  // ChangeCipherSpec: what follows is encrypted
        }
        continue;
      }
      if (want_type_ && body_left_ > 0) {
        out.back().handshake_type = p[0];
        want_type_ = false;
      }
      size_t take = std::min(n, body_left_);
      body_left_ -= take, p += take, n -= take;
      if (body_left_ == 0) header_have_ = 0;
    }
  }

 private:
  std::array<uint8_t, 5> header_{};
  size_t header_have_ = 0;
  size_t body_left_ = 0;
  bool want_type_ = false;
  bool encrypted_ = false;
};

}  // namespace

struct TestServer::Impl {
  EndpointConfig config;
  SslCtxPtr ctx;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread thread;
  TestServer* owner = nullptr;
};

// One client connection: runs OpenSSL's handshake over memory BIOs.
struct Connection {
  Connection(TestServer::Impl& s, tcp::socket sock) : server(s), socket(std::move(sock)) {}

  TestServer::Impl& server;
  tcp::socket socket;
  ConnectionCapture capture;
  SslPtr ssl;
  BIO* rbio = nullptr;  // owned by ssl
  BIO* wbio = nullptr;
  RecordTracker tracker;
  std::array<uint8_t, 16 * 1024> buffer{};

  enum class Read { kData, kClosed, kTimedOut };

  // Sends what OpenSSL has written so far.
  awaitable<bool> flush() {
    char* data = nullptr;
    long n = BIO_get_mem_data(wbio, &data);
    if (n <= 0) co_return true;
    std::string bytes(data, static_cast<size_t>(n));
    (void)BIO_reset(wbio);
    tracker.feed(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), capture.records_sent);
    asio::error_code ec;
    co_await asio::async_write(socket, asio::buffer(bytes), asio::redirect_error(use_awaitable, ec));
    co_return !ec;
  }

  // Reads what the client sent into OpenSSL, waiting at most idle_timeout.
  awaitable<Read> read() {
    asio::steady_timer timer(socket.get_executor(), server.config.idle_timeout);
    asio::error_code read_ec, timer_ec;
    auto result =
        co_await (socket.async_read_some(asio::buffer(buffer), asio::redirect_error(use_awaitable, read_ec)) ||
                  timer.async_wait(asio::redirect_error(use_awaitable, timer_ec)));
    if (result.index() == 1) co_return Read::kTimedOut;
    if (read_ec) co_return Read::kClosed;
    BIO_write(rbio, buffer.data(), static_cast<int>(std::get<0>(result)));
    co_return Read::kData;
  }

  awaitable<void> handshake() {
    for (;;) {
      ERR_clear_error();
      int r = SSL_do_handshake(ssl.get());
      if (r == 1) {
        co_await flush();
        capture.end = ConnectionEnd::kHandshakeDone;
        capture.negotiated_version = SSL_get_version(ssl.get());
        capture.negotiated_suite = SSL_CIPHER_standard_name(SSL_get_current_cipher(ssl.get()));
        co_return;
      }
      if (SSL_get_error(ssl.get(), r) == SSL_ERROR_WANT_READ) {
        Read got = co_await flush() ? co_await read() : Read::kClosed;
        if (got == Read::kData) continue;
        capture.end = got == Read::kTimedOut ? ConnectionEnd::kTimedOut : ConnectionEnd::kClientClosed;
        co_return;
      }
      capture.verdict = take_openssl_errors("handshake failed");
      co_await fail();
      co_return;
    }
  }

  // The handshake failed: OpenSSL's alert is waiting in wbio.
  awaitable<void> fail() {
    asio::error_code ignored;
    switch (server.config.on_handshake_failure) {
      case OnHandshakeFailure::kAlert:
        co_await flush();
        capture.end = ConnectionEnd::kFailedWithAlert;
        break;
      case OnHandshakeFailure::kReset:
        (void)BIO_reset(wbio);                                     // the alert never leaves
        socket.set_option(tcp::socket::linger(true, 0), ignored);  // close() now sends RST
        capture.end = ConnectionEnd::kFailedWithReset;
        break;
      case OnHandshakeFailure::kClose:
        (void)BIO_reset(wbio);
        socket.shutdown(tcp::socket::shutdown_send, ignored);
        capture.end = ConnectionEnd::kFailedWithClose;
        break;
    }
  }

  // After the handshake: read until the client's close_notify or EOF.
  awaitable<void> drain() {
    for (;;) {
      if (co_await read() != Read::kData) co_return;
      int n = 0;
      do {
        n = SSL_read(ssl.get(), buffer.data(), static_cast<int>(buffer.size()));
      } while (n > 0);
      if (SSL_get_shutdown(ssl.get()) & SSL_RECEIVED_SHUTDOWN) {
        SSL_shutdown(ssl.get());
        co_await flush();
        co_return;
      }
      if (SSL_get_error(ssl.get(), n) != SSL_ERROR_WANT_READ) co_return;
      co_await flush();
    }
  }

  awaitable<void> run() {
    ssl.reset(SSL_new(server.ctx.get()));
    rbio = BIO_new(BIO_s_mem());
    wbio = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl.get(), rbio, wbio);
    SSL_set_accept_state(ssl.get());
    SSL_set_ex_data(ssl.get(), capture_index(), &capture);
    co_await handshake();
    if (capture.end == ConnectionEnd::kHandshakeDone) co_await drain();
    asio::error_code ignored;
    socket.close(ignored);
    server.owner->record(std::move(capture));
  }
};

namespace {

awaitable<void> serve(TestServer::Impl& server, tcp::socket socket) {
  Connection connection(server, std::move(socket));
  co_await connection.run();
}

awaitable<void> accept_loop(TestServer::Impl& server) {
  for (;;) {
    asio::error_code ec;
    tcp::socket socket = co_await server.acceptor.async_accept(asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;  // closed by stop()
    socket.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(server.io, serve(server, std::move(socket)), asio::detached);
  }
}

std::vector<SuiteName> accepted_suites_for(SSL_CTX* ctx, EVP_PKEY* leaf_key) {
  SslPtr probe(SSL_new(ctx));
  STACK_OF(SSL_CIPHER)* ciphers = SSL_get1_supported_ciphers(probe.get());
  const int auth = EVP_PKEY_get_base_id(leaf_key) == EVP_PKEY_RSA ? NID_auth_rsa : NID_auth_ecdsa;
  std::vector<SuiteName> out;
  for (int i = 0; ciphers != nullptr && i < sk_SSL_CIPHER_num(ciphers); ++i) {
    const SSL_CIPHER* c = sk_SSL_CIPHER_value(ciphers, i);
    if (SSL_CIPHER_get_auth_nid(c) != auth) continue;  // needs another key, or is TLS 1.3
    out.push_back(
        {static_cast<uint16_t>(SSL_CIPHER_get_protocol_id(c)), SSL_CIPHER_get_name(c), SSL_CIPHER_standard_name(c)});
  }
  sk_SSL_CIPHER_free(ciphers);
  return out;
}

}  // namespace

TestServer::TestServer(const EndpointConfig& config) : impl_(std::make_unique<Impl>()) {
  impl_->config = config;
  impl_->owner = this;
  if (config.chain == nullptr || config.chain->certs.size() < 2)
    throw std::runtime_error("server: no certificate chain");
  const Chain& chain = *config.chain;

  impl_->ctx.reset(SSL_CTX_new(TLS_server_method()));
  SSL_CTX* ctx = impl_->ctx.get();
  // Serve whatever the scenario asks for (SHA-1, small keys, old versions):
  // the point is to reproduce servers as they are.
  SSL_CTX_set_security_level(ctx, 0);
  SSL_CTX_set_min_proto_version(ctx, version_from_name(config.min_version, "server.versions"));
  SSL_CTX_set_max_proto_version(ctx, version_from_name(config.max_version, "server.versions"));
  if (!config.ciphersuites.empty()) {
    std::string list;
    for (const auto& s : config.ciphersuites) list += (list.empty() ? "" : ":") + s;
    if (SSL_CTX_set_cipher_list(ctx, list.c_str()) != 1) {
      throw std::runtime_error("server.ciphersuites: OpenSSL knows none of '" + list + "': " + take_openssl_errors());
    }
  }
  if (!config.signature_algorithms.empty() && SSL_CTX_set1_sigalgs_list(ctx, config.signature_algorithms.c_str()) != 1) {
    throw std::runtime_error("server.signature_algorithms: OpenSSL refuses '" + config.signature_algorithms +
                             "': " + take_openssl_errors());
  }
  // Send exactly the chain the scenario names, never one OpenSSL builds.
  SSL_CTX_set_mode(ctx, SSL_MODE_NO_AUTO_CHAIN);
  if (SSL_CTX_use_certificate(ctx, chain.leaf().cert.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, chain.leaf().key.get()) != 1) {
    throw std::runtime_error("server: leaf certificate or key refused: " + take_openssl_errors());
  }
  std::vector<size_t> send = config.send;
  if (send.empty()) {
    for (size_t i = chain.certs.size() - 1; i-- > 1;) send.push_back(i);  // intermediates, leaf's issuer first
  } else {
    send.erase(send.begin());  // the leaf went in above
  }
  for (size_t i : send) {
    if (i >= chain.certs.size()) throw std::runtime_error("server.send: no certificate " + std::to_string(i));
    SSL_CTX_add1_chain_cert(ctx, chain.certs[i].cert.get());
  }
  SSL_CTX_set_client_hello_cb(ctx, on_client_hello, nullptr);
  accepted_ = accepted_suites_for(ctx, chain.leaf().key.get());
}

TestServer::~TestServer() {
  stop();
}

uint16_t TestServer::start() {
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  const uint16_t port = impl_->acceptor.local_endpoint().port();
  asio::co_spawn(impl_->io, accept_loop(*impl_), asio::detached);
  impl_->thread = std::thread([this] { impl_->io.run(); });
  return port;
}

void TestServer::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  asio::post(impl_->io, [this] {
    asio::error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->io.stop();
  });
  impl_->thread.join();
}

void TestServer::record(ConnectionCapture capture) {
  {
    std::lock_guard lock(mutex_);
    captures_.push_back(std::move(capture));
  }
  finished_.notify_all();
}

std::vector<ConnectionCapture> TestServer::captures() const {
  std::lock_guard lock(mutex_);
  return captures_;
}

bool TestServer::wait_for_captures(size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return finished_.wait_for(lock, timeout, [&] { return captures_.size() >= count; });
}

}  // namespace shakedown::servers

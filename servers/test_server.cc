#include "test_server.h"

#include "key_log.h"
#include "pcap_writer.h"
#include "record_stream.h"
#include "shakedown/tls/version.h"

#include <openssl/err.h>

#include <fmt/format.h>
#include <array>
#include <fstream>

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

// OpenSSL's TLS1_x_VERSION values are the wire ids.
int version_from_name(const std::string& name, const char* field) {
  if (auto v = tls::parse_config_name(name)) return tls::wire_id(*v);
  throw std::runtime_error(std::string(field) + ": unknown TLS version '" + name +
                           "' (expected tls1.0, tls1.1, tls1.2 or tls1.3)");
}

// Where the connection lives while OpenSSL calls back.
int connection_index() {
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

// A u16 list behind a length prefix of `prefix` bytes (1 or 2).
std::vector<uint16_t> u16_list(const unsigned char* p, size_t n, size_t prefix) {
  std::vector<uint16_t> out;
  if (n < prefix) return out;
  size_t len = prefix == 1 ? p[0] : (static_cast<size_t>(p[0]) << 8 | p[1]);
  for (size_t i = prefix; i + 1 < n && i + 1 < prefix + len + 1; i += 2)
    out.push_back(static_cast<uint16_t>(p[i] << 8 | p[i + 1]));
  return out;
}

std::vector<std::string> alpn_list(const unsigned char* p, size_t n) {
  std::vector<std::string> out;
  for (size_t i = 2; i < n;) {
    size_t len = p[i];
    if (i + 1 + len > n) break;
    out.emplace_back(reinterpret_cast<const char*>(p + i + 1), len);
    i += 1 + len;
  }
  return out;
}

ClientHelloCapture parse_client_hello(SSL* ssl) {
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
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_supported_versions, &p, &n) == 1) {
    hello.supported_versions = u16_list(p, n, 1);
  }
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_supported_groups, &p, &n) == 1) hello.groups = u16_list(p, n, 2);
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_signature_algorithms, &p, &n) == 1) {
    hello.signature_algorithms = u16_list(p, n, 2);
  }
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_max_fragment_length, &p, &n) == 1 && n == 1 && p[0] >= 1 &&
      p[0] <= 4) {
    hello.max_fragment_length = 256 << p[0];
  }
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &p, &n) == 1) {
    hello.alpn = alpn_list(p, n);
  }
  hello.session_ticket = SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_session_ticket, &p, &n) == 1;
  return hello;
}

}  // namespace

struct TestServer::Impl {
  EndpointConfig config;
  SslCtxPtr ctx;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread thread;
  TestServer* owner = nullptr;
  size_t connections = 0;  // accepted so far; numbers the capture files
};

// One client connection: runs OpenSSL's handshake over memory BIOs, and
// decides what of OpenSSL's output reaches the wire, and when.
struct Connection {
  Connection(TestServer::Impl& s, tcp::socket sock)
      : server(s), socket(std::move(sock)), refragmenter(s.config.record_size), number(++s.connections) {}

  TestServer::Impl& server;
  tcp::socket socket;
  ConnectionCapture capture;
  SslPtr ssl;
  BIO* rbio = nullptr;  // owned by ssl
  BIO* wbio = nullptr;
  RecordStream sent_stream{true};
  RecordStream received_stream{false};
  Refragmenter refragmenter;
  bool stalled = false;
  bool stall_scan_encrypted = false;
  bool coalesce_encrypted = false;
  size_t number;
  // The wire as Wireshark will see it, when the endpoint keeps captures.
  std::optional<PcapWriter> pcap;
  std::optional<TcpConversation> tcp_trace;
  std::string key_log;
  bool server_reset = false;
  bool client_reset = false;
  bool client_closed = false;
  std::array<uint8_t, 16 * 1024> buffer{};

  enum class Read { kData, kClosed, kTimedOut };

  const EndpointConfig& config() const { return server.config; }

  awaitable<void> pause(std::chrono::milliseconds duration) {
    asio::steady_timer timer(socket.get_executor(), duration);
    asio::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(use_awaitable, ignored));
  }

  // Puts bytes on the wire as the endpoint's behaviour says: dribbled, and
  // noted in the capture.
  awaitable<bool> send(std::span<const uint8_t> bytes) {
    const size_t step = config().dribble_bytes > 0 ? config().dribble_bytes : bytes.size();
    for (size_t done = 0; done < bytes.size(); done += step) {
      if (done > 0) co_await pause(config().dribble_every);
      auto chunk = bytes.subspan(done, std::min(step, bytes.size() - done));
      sent_stream.feed(chunk, capture.records_sent, capture.transcript, capture.alerts);
      if (tcp_trace) tcp_trace->server_to_client(chunk);
      asio::error_code ec;
      co_await asio::async_write(socket, asio::buffer(chunk.data(), chunk.size()),
                                 asio::redirect_error(use_awaitable, ec));
      if (ec) co_return false;
    }
    co_return true;
  }

  // Sends what OpenSSL has written so far, reshaped as configured.
  awaitable<bool> flush() {
    char* data = nullptr;
    long n = BIO_get_mem_data(wbio, &data);
    if (n <= 0) co_return true;
    std::vector<uint8_t> bytes(data, data + n);
    (void)BIO_reset(wbio);
    if (config().record_size > 0) bytes = refragmenter.apply(bytes);
    if (config().ignore_max_fragment_length) bytes = coalesce_handshake_records(bytes, coalesce_encrypted);
    size_t cut = bytes.size();
    if (config().stall_before >= 0 && !stalled) {
      cut = find_handshake_record(bytes, config().stall_before, stall_scan_encrypted);
    }
    if (!co_await send({bytes.data(), cut})) co_return false;
    if (cut < bytes.size()) {
      stalled = true;
      capture.behaviour = fmt::format("stalled {} ms before {}", config().stall_for.count(),
                                      handshake_type_name(config().stall_before));
      co_await pause(config().stall_for);
      co_return co_await send(std::span<const uint8_t>(bytes).subspan(cut));
    }
    co_return true;
  }

  // Reads what the client sent into OpenSSL, waiting at most idle_timeout.
  awaitable<Read> read() {
    asio::steady_timer timer(socket.get_executor(), config().idle_timeout);
    asio::error_code read_ec, timer_ec;
    auto result =
        co_await (socket.async_read_some(asio::buffer(buffer), asio::redirect_error(use_awaitable, read_ec)) ||
                  timer.async_wait(asio::redirect_error(use_awaitable, timer_ec)));
    if (result.index() == 1) co_return Read::kTimedOut;
    if (read_ec) {
      client_reset = read_ec == asio::error::connection_reset;
      client_closed = !client_reset;
      co_return Read::kClosed;
    }
    const size_t got = std::get<0>(result);
    received_stream.feed({buffer.data(), got}, capture.records_received, capture.transcript, capture.alerts);
    if (tcp_trace) tcp_trace->client_to_server({buffer.data(), got});
    BIO_write(rbio, buffer.data(), static_cast<int>(got));
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
      const int error = SSL_get_error(ssl.get(), r);
      if (error == SSL_ERROR_WANT_CLIENT_HELLO_CB) {  // paused on purpose by on_client_hello
        co_await misbehave();
        co_return;
      }
      if (error == SSL_ERROR_WANT_READ) {
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

  // The ClientHello is in (and captured); break off as configured.
  awaitable<void> misbehave() {
    asio::error_code ignored;
    capture.end = ConnectionEnd::kMisbehaved;
    switch (config().after_client_hello) {
      case AfterClientHello::kReset:
        capture.behaviour = "reset after the ClientHello";
        socket.set_option(tcp::socket::linger(true, 0), ignored);
        server_reset = true;
        break;
      case AfterClientHello::kClose:
        capture.behaviour = "closed after the ClientHello";
        socket.shutdown(tcp::socket::shutdown_send, ignored);
        co_await drain_until_closed();
        break;
      case AfterClientHello::kSilence:
        capture.behaviour = "silent after the ClientHello";
        co_await drain_until_closed();
        break;
      case AfterClientHello::kAlert: {
        capture.behaviour = fmt::format("fatal alert {} after the ClientHello", config().alert_description);
        const uint8_t alert[] = {21, 3, 3, 0, 2, 2, config().alert_description};
        co_await send(alert);
        socket.shutdown(tcp::socket::shutdown_send, ignored);
        co_await drain_until_closed();
        break;
      }
      case AfterClientHello::kNegotiate: break;
    }
  }

  // Reads (and notes) whatever the client still sends until it closes or
  // goes quiet for the idle timeout.
  awaitable<void> drain_until_closed() {
    // Not `while (co_await read() == ...)`: g++ 12 miscompiles a co_await in
    // a loop condition (the coroutine hits an illegal instruction).
    for (;;) {
      Read got = co_await read();
      if (got != Read::kData) co_return;
    }
  }

  // The handshake failed: OpenSSL's alert is waiting in wbio.
  awaitable<void> fail() {
    asio::error_code ignored;
    switch (config().on_handshake_failure) {
      case OnHandshakeFailure::kAlert:
        co_await flush();
        capture.end = ConnectionEnd::kFailedWithAlert;
        break;
      case OnHandshakeFailure::kReset:
        (void)BIO_reset(wbio);                                     // the alert never leaves
        socket.set_option(tcp::socket::linger(true, 0), ignored);  // close() now sends RST
        server_reset = true;
        capture.end = ConnectionEnd::kFailedWithReset;
        break;
      case OnHandshakeFailure::kClose:
        (void)BIO_reset(wbio);
        socket.shutdown(tcp::socket::shutdown_send, ignored);
        capture.end = ConnectionEnd::kFailedWithClose;
        break;
    }
  }

  // After the handshake: echo what the client sends, as a device's first
  // exchange expects, until its close_notify or EOF. The client's first
  // request may have come with its Finished, so read what is here first.
  awaitable<void> drain() {
    for (;;) {
      int n = 0;
      while ((n = SSL_read(ssl.get(), buffer.data(), static_cast<int>(buffer.size()))) > 0) {
        SSL_write(ssl.get(), buffer.data(), n);  // into the memory BIO: whole, or not at all
      }
      if (SSL_get_shutdown(ssl.get()) & SSL_RECEIVED_SHUTDOWN) {
        SSL_shutdown(ssl.get());
        co_await flush();
        co_return;
      }
      if (SSL_get_error(ssl.get(), n) != SSL_ERROR_WANT_READ) co_return;
      co_await flush();
      Read got = co_await read();  // see drain_until_closed: no co_await in conditions
      if (got != Read::kData) co_return;
    }
  }

  void start_trace() {
    const auto& dir = config().capture_dir;
    std::error_code fs_ec;
    std::filesystem::create_directories(dir, fs_ec);
    const auto base = dir / fmt::format("connection-{}", number);
    pcap.emplace(base.string() + ".pcap");
    asio::error_code ec;
    tcp_trace.emplace(*pcap, socket.remote_endpoint(ec).port(), socket.local_endpoint(ec).port());
    attach_key_log(ssl.get(), &key_log);
    capture.pcap_path = base.string() + ".pcap";
    capture.key_log_path = base.string() + ".keys";
  }

  void finish_trace() {
    if (!tcp_trace) return;
    if (server_reset || client_reset) {
      tcp_trace->reset(server_reset);
    } else {
      tcp_trace->close(/*by_server=*/!client_closed);
    }
    std::ofstream(capture.key_log_path) << key_log;
    attach_key_log(ssl.get(), nullptr);
  }

  awaitable<void> run() {
    ssl.reset(SSL_new(server.ctx.get()));
    rbio = BIO_new(BIO_s_mem());
    wbio = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl.get(), rbio, wbio);
    SSL_set_accept_state(ssl.get());
    SSL_set_ex_data(ssl.get(), connection_index(), this);
    if (!config().capture_dir.empty()) start_trace();
    co_await handshake();
    if (capture.end == ConnectionEnd::kHandshakeDone) co_await drain();
    asio::error_code ignored;
    socket.close(ignored);
    finish_trace();
    server.owner->record(std::move(capture));
  }
};

namespace {

bool use_chain(SSL* ssl, const Chain& chain) {
  if (SSL_use_certificate(ssl, chain.leaf().cert.get()) != 1 || SSL_use_PrivateKey(ssl, chain.leaf().key.get()) != 1) {
    return false;
  }
  SSL_clear_chain_certs(ssl);
  for (size_t i = chain.certs.size() - 1; i-- > 1;) SSL_add1_chain_cert(ssl, chain.certs[i].cert.get());
  return true;
}

// OpenSSL calls this once the ClientHello is parsed: capture it, pick the
// certificate by SNI, and pause the handshake if the endpoint misbehaves.
int on_client_hello(SSL* ssl, int* alert, void* /*arg*/) {
  auto* connection = static_cast<Connection*>(SSL_get_ex_data(ssl, connection_index()));
  connection->capture.client_hello = parse_client_hello(ssl);
  const EndpointConfig& config = connection->config();
  if (config.after_client_hello != AfterClientHello::kNegotiate) return SSL_CLIENT_HELLO_RETRY;
  const std::string& name = connection->capture.client_hello->server_name;
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

}  // namespace

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
  if (!config.signature_algorithms.empty() &&
      SSL_CTX_set1_sigalgs_list(ctx, config.signature_algorithms.c_str()) != 1) {
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
  install_key_log(ctx);
  if (!config.groups.empty() && SSL_CTX_set1_groups_list(ctx, config.groups.c_str()) != 1) {
    throw std::runtime_error("server.groups: OpenSSL refuses '" + config.groups + "': " + take_openssl_errors());
  }
  if (!config.session_tickets) SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  if (config.record_size >= 512)
    SSL_CTX_set_max_send_fragment(ctx, static_cast<long>(std::min<size_t>(config.record_size, 16384)));
  if (config.client_auth != ClientAuth::kNone) {
    if (config.client_ca == nullptr) throw std::runtime_error("server.client_auth: no client_ca chain");
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    X509_STORE_add_cert(store, config.client_ca->root().cert.get());
    STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
    sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(config.client_ca->root().cert.get())));
    SSL_CTX_set_client_CA_list(ctx, names);
    SSL_CTX_set_verify(
        ctx, SSL_VERIFY_PEER | (config.client_auth == ClientAuth::kRequire ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
        nullptr);
  }
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

#include "test_server.h"

#include <algorithm>
#include <asio.hpp>
#include <stdexcept>

#include "key_log.h"
#include "server_connection.h"
#include "shakedown/tls/version.h"

namespace shakedown::servers {

using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;

namespace {

// OpenSSL's TLS1_x_VERSION values are the wire ids.
int version_from_name(const std::string& name, const char* field) {
  if (auto v = tls::parse_config_name(name)) return tls::wire_id(*v);
  throw std::runtime_error(std::string(field) + ": unknown TLS version '" + name +
                           "' (expected tls1.0, tls1.1, tls1.2 or tls1.3)");
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

namespace {

awaitable<void> serve(TestServer::Impl& server, tcp::socket socket) {
  ServerConnection connection(server.config, server.ctx.get(), std::move(socket), ++server.connections);
  server.owner->record(co_await connection.run());
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

// OpenSSL's PSK callback (TLS 1.2, and TLS 1.3 without a session
// callback): the key for the configured identity; 0 (no PSK) for another.
unsigned int find_psk(SSL* ssl, const char* identity, unsigned char* out, unsigned int max_length) {
  const auto* config = static_cast<const EndpointConfig*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  if (config == nullptr || !config->psk || identity == nullptr || config->psk->identity != identity) return 0;
  const std::vector<uint8_t>& key = config->psk->key;
  if (key.size() > max_length) return 0;
  std::copy(key.begin(), key.end(), out);
  return static_cast<unsigned int>(key.size());
}

// A client-side PSK callback that is never called: a probe without one
// leaves every PSK suite out of SSL_get1_supported_ciphers.
unsigned int no_client_psk(SSL*, const char*, char*, unsigned int, unsigned char*, unsigned int) {
  return 0;
}

std::vector<SuiteName> accepted_suites_for(SSL_CTX* ctx, EVP_PKEY* leaf_key, bool psk) {
  SslPtr probe(SSL_new(ctx));
  if (psk) SSL_set_psk_client_callback(probe.get(), no_client_psk);
  STACK_OF(SSL_CIPHER)* ciphers = SSL_get1_supported_ciphers(probe.get());
  const int auth = EVP_PKEY_get_base_id(leaf_key) == EVP_PKEY_RSA ? NID_auth_rsa : NID_auth_ecdsa;
  std::vector<SuiteName> out;
  for (int i = 0; ciphers != nullptr && i < sk_SSL_CIPHER_num(ciphers); ++i) {
    const SSL_CIPHER* c = sk_SSL_CIPHER_value(ciphers, i);
    // Another key's, or TLS 1.3's (auth "any"); RSA-PSK authenticates with the RSA key.
    if (SSL_CIPHER_get_auth_nid(c) != auth && SSL_CIPHER_get_auth_nid(c) != NID_auth_psk) continue;
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
  // DH parameters for the DHE suites, sized to the certificate's key as
  // OpenSSL's s_server does by default: without them no DHE suite can be
  // chosen, and a DHE-only server would wrongly look like a suite mismatch.
  SSL_CTX_set_dh_auto(ctx, 1);
  SSL_CTX_set_min_proto_version(ctx, version_from_name(config.min_version, "server.versions"));
  SSL_CTX_set_max_proto_version(ctx, version_from_name(config.max_version, "server.versions"));
  if (!config.ciphersuites.empty()) {
    std::string list;
    for (const auto& s : config.ciphersuites) list += (list.empty() ? "" : ":") + s;
    if (SSL_CTX_set_cipher_list(ctx, list.c_str()) != 1) {
      throw std::runtime_error("server.ciphersuites: OpenSSL knows none of '" + list + "': " + take_openssl_errors());
    }
  }
  if (!config.tls13_ciphersuites.empty()) {
    std::string list;
    for (const auto& s : config.tls13_ciphersuites) list += (list.empty() ? "" : ":") + s;
    if (SSL_CTX_set_ciphersuites(ctx, list.c_str()) != 1) {
      throw std::runtime_error("server.ciphersuites: OpenSSL refuses the TLS 1.3 suites '" + list +
                               "': " + take_openssl_errors());
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
  SSL_CTX_set_client_hello_cb(ctx, ServerConnection::on_client_hello, nullptr);
  install_key_log(ctx);
  if (!config.groups.empty() && SSL_CTX_set1_groups_list(ctx, config.groups.c_str()) != 1) {
    throw std::runtime_error("server.groups: OpenSSL refuses '" + config.groups + "': " + take_openssl_errors());
  }
  if (!config.session_tickets) SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  if (config.psk) {
    SSL_CTX_set_app_data(ctx, &impl_->config);
    SSL_CTX_set_psk_server_callback(ctx, find_psk);
  }
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
  accepted_ = accepted_suites_for(ctx, chain.leaf().key.get(), config.psk.has_value());
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

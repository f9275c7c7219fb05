#pragma once
// One client connection of a TestServer. OpenSSL runs the handshake over
// memory BIOs; this decides what of its output reaches the wire, and when.
// The endpoint's scripted misbehaviours live here: breaking off after the
// ClientHello (reset, close, silence, alert), reset or close instead of
// OpenSSL's alert, a stall before a given message, records refragmented or
// coalesced, bytes dribbled. Every wait for the client is bounded by
// EndpointConfig::idle_timeout.

#include <array>
#include <asio.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "capture.h"
#include "openssl_ptr.h"
#include "pcap_writer.h"
#include "record_stream.h"
#include "test_server.h"

namespace shakedown::servers {

class ServerConnection {
 public:
  // `config` and `ctx` outlive the connection; `ctx` has on_client_hello as
  // its client-hello callback. `number` (from 1) names its capture files.
  ServerConnection(const EndpointConfig& config, SSL_CTX* ctx, asio::ip::tcp::socket socket, size_t number);

  // Serves the connection to its end, closes the socket and returns what
  // happened on it; what the client does never throws.
  asio::awaitable<ConnectionCapture> run();

  // OpenSSL's client-hello callback for contexts serving ServerConnections:
  // captures the ClientHello, picks the chain by SNI, and pauses the
  // handshake when the endpoint breaks off after the ClientHello.
  static int on_client_hello(SSL* ssl, int* alert, void* arg);

 private:
  enum class Read { kData, kClosed, kTimedOut };

  asio::awaitable<void> pause(std::chrono::milliseconds duration);
  asio::awaitable<bool> send(std::span<const uint8_t> bytes);
  asio::awaitable<bool> flush();
  asio::awaitable<Read> read();
  asio::awaitable<void> handshake();
  // Whether the server signed its key exchange or handshake (capture_.transcript holds its messages).
  bool signed_anything() const;
  asio::awaitable<void> misbehave();
  asio::awaitable<void> drain_until_closed();
  asio::awaitable<void> fail();
  void replace_version_alert(uint8_t description);
  asio::awaitable<void> echo_until_closed();
  void start_trace();
  void finish_trace();
  double elapsed_ms() const;  // since the TCP accept (the capture's clock)

  const EndpointConfig& config_;
  SSL_CTX* ctx_;
  asio::ip::tcp::socket socket_;
  size_t number_;
  std::chrono::steady_clock::time_point accepted_ = std::chrono::steady_clock::now();
  ConnectionCapture capture_;
  SslPtr ssl_;
  BIO* rbio_ = nullptr;  // owned by ssl_
  BIO* wbio_ = nullptr;
  RecordStream sent_stream_{true};
  RecordStream received_stream_{false};
  Refragmenter refragmenter_;
  bool stalled_ = false;
  bool stall_scan_encrypted_ = false;
  bool coalesce_encrypted_ = false;
  // The wire as Wireshark will see it, when the endpoint keeps captures.
  std::optional<PcapWriter> pcap_;
  std::optional<TcpConversation> tcp_trace_;
  std::string key_log_;
  bool server_reset_ = false;
  bool client_reset_ = false;
  bool client_closed_ = false;
  std::array<uint8_t, 16 * 1024> buffer_{};
};

}  // namespace shakedown::servers

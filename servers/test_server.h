#pragma once
// TestServer: one scripted OpenSSL 3 TLS endpoint on 127.0.0.1:<ephemeral>.
//
// OpenSSL runs over memory BIOs and Asio carries the bytes, so the server
// decides what reaches the wire: it records every record it writes, and on a
// failed handshake it can send OpenSSL's alert, close, or reset the TCP
// connection instead (as the field's cloud server did).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "capture.h"
#include "pki.h"

namespace shakedown::servers {

enum class OnHandshakeFailure { kAlert, kReset, kClose };

struct EndpointConfig {
  // "tls1.0" ... "tls1.3".
  std::string min_version = "tls1.2";
  std::string max_version = "tls1.3";
  // OpenSSL names of the TLS 1.2-and-below suites it accepts, e.g.
  // "ECDHE-RSA-AES256-GCM-SHA384"; empty: OpenSSL's defaults.
  std::vector<std::string> ciphersuites;
  // Signature algorithms it may sign with, in OpenSSL's list form (e.g.
  // "RSA+SHA256:ECDSA+SHA256"); empty: OpenSSL's defaults.
  std::string signature_algorithms;
  OnHandshakeFailure on_handshake_failure = OnHandshakeFailure::kAlert;
  // The chain: the leaf's key signs; these certificates (indices into the
  // chain, leaf first) are sent. Empty: the leaf and every intermediate.
  const Chain* chain = nullptr;
  std::vector<size_t> send;
  // Bound on every wait for the client.
  std::chrono::milliseconds idle_timeout{10'000};
};

class TestServer {
 public:
  // Builds the TLS context; throws std::runtime_error for a config OpenSSL
  // refuses, naming the field.
  explicit TestServer(const EndpointConfig& config);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  // Listens on 127.0.0.1 on a port the kernel picks, serving on a thread of
  // its own. Returns the port.
  uint16_t start();
  // Closes every connection and joins the thread. Idempotent.
  void stop();

  // The suites it would negotiate with its certificate, TLS 1.2 and below.
  const std::vector<SuiteName>& accepted_suites() const { return accepted_; }

  // Copies of the finished connections' captures.
  std::vector<ConnectionCapture> captures() const;
  // Waits until `count` connections have finished, at most `timeout`.
  bool wait_for_captures(size_t count, std::chrono::milliseconds timeout) const;

  struct Impl;  // defined in test_server.cc
  // Called by a finished connection, on the server's thread.
  void record(ConnectionCapture capture);

 private:
  std::unique_ptr<Impl> impl_;
  std::vector<SuiteName> accepted_;
  mutable std::mutex mutex_;
  mutable std::condition_variable finished_;
  std::vector<ConnectionCapture> captures_;
};

}  // namespace shakedown::servers

#pragma once
// HostileDevice: a fake device for tests of the host's defences. It speaks
// the device protocol on a loopback port (reach it with `--target
// attached:PORT`) and answers sync, configure, blob, reset and close as a
// real agent would, but misbehaves in one chosen way when asked to connect.
// It never opens a TLS connection.

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace shakedown::testing {

enum class Misbehaviour {
  kLiar,           // reports a completed handshake that never happened
  kChattyLog,      // streams log frames and never reports
  kEndlessPeers,   // streams peer-certificate frames and never reports
  kNotUtf8Report,  // logs and reports text with bytes that are not UTF-8, then a failure
};

class HostileDevice {
 public:
  // Listens on 127.0.0.1:0 and serves connections on a thread until destroyed.
  HostileDevice(Misbehaviour misbehaviour, std::string mbedtls_line, std::string profile);
  ~HostileDevice();
  HostileDevice(const HostileDevice&) = delete;
  HostileDevice& operator=(const HostileDevice&) = delete;

  uint16_t port() const { return port_; }
  // Bytes it wrote while misbehaving: how much the host was offered.
  uint64_t bytes_streamed() const { return streamed_; }

 private:
  void serve();
  void serve_connection(int fd);
  bool misbehave(int fd, uint16_t seq);  // false once the host has gone

  Misbehaviour misbehaviour_;
  std::string line_, profile_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> streamed_{0};
  std::thread thread_;
};

}  // namespace shakedown::testing

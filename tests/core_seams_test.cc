// The client core through test fakes of its seams, against the real test
// server: a transport that moves few bytes per call and says "would block"
// every other call, a clock that advances only when read, and scripted
// entropy. The core must finish the handshake anyway, and must end a stuck
// one by its own deadline, not by wall time.

#include <catch2/catch.hpp>
#include <ctime>
#include <fstream>

#include "posix_transport.h"
#include "shakedown/core/client.h"
#include "test_server.h"
#include "test_support.h"

namespace {

using namespace shakedown;

// Test fake: at most `quota` bytes per call, and kWouldBlock on every other
// call, over a real socket.
class QuotaTransport final : public core::Transport {
 public:
  QuotaTransport(size_t quota, bool stall_forever = false) : quota_(quota), stall_forever_(stall_forever) {}
  core::IoStatus connect(std::string_view host, uint16_t port, uint32_t timeout_ms) override {
    return inner_.connect(host, port, timeout_ms);
  }
  core::IoResult send(std::span<const uint8_t> data) override {
    if (stall() || (++calls_ % 2) == 0) return core::IoResult::failed(core::IoStatus::kWouldBlock);
    return inner_.send(data.first(std::min(quota_, data.size())));
  }
  core::IoResult receive(std::span<uint8_t> out, uint32_t timeout_ms) override {
    if (stall() || (++calls_ % 2) == 0) return core::IoResult::failed(core::IoStatus::kWouldBlock);
    return inner_.receive(out.first(std::min(quota_, out.size())), timeout_ms);
  }
  void close() override { inner_.close(); }
  size_t calls() const { return calls_ + stalls_; }

 private:
  bool stall() {
    if (stall_forever_) ++stalls_;
    return stall_forever_;
  }
  sim::PosixTransport inner_;
  size_t quota_;
  bool stall_forever_;
  size_t calls_ = 0;
  size_t stalls_ = 0;
};

// Test fake: time moves only when read, by `step_ms` each time.
class FakeClock final : public core::Clock {
 public:
  explicit FakeClock(uint64_t step_ms) : step_ms_(step_ms) {}
  uint64_t monotonic_ms() override { return now_ms_ += step_ms_; }
  std::optional<int64_t> wall_time_s() override { return wall_; }

 private:
  uint64_t step_ms_;
  uint64_t now_ms_ = 0;
  int64_t wall_ = static_cast<int64_t>(::time(nullptr));  // certificates are valid around now
};

// Test fake: a counter, not randomness. Enough for a handshake under test.
class ScriptedEntropy final : public core::Entropy {
 public:
  bool fill(std::span<uint8_t> out) override {
    for (auto& b : out) b = static_cast<uint8_t>(next_++ * 131u + 7u);
    return true;
  }
  bool test_only() const override { return true; }

 private:
  uint32_t next_ = 0;
};

class NullLog final : public core::LogSink {
 public:
  void write(core::LogSource, int, std::string_view) override {}
};

}  // namespace

TEST_CASE("a handshake completes over a transport moving 7 bytes a call and blocking every other call",
          "[field-fixed]") {
  servers::TestServer server(test::tls12_endpoint());
  const uint16_t port = server.start();

  QuotaTransport transport(7);
  FakeClock clock(1);
  ScriptedEntropy entropy;
  NullLog log;
  core::Client client(transport, clock, entropy, log, test::heap());
  const auto ca = test::pem_for_mbedtls(test::ec_chain().root().pem);
  core::HandshakeReport report = client.connect({.server_address = "127.0.0.1",
                                                 .server_port = port,
                                                 .hostname = "cloud.shakedown.test",
                                                 .ca_certificates = ca,
                                                 .read_timeout_ms = 5'000});
  INFO(report.result_name);
  CHECK(report.stage == core::Stage::kDone);
  CHECK(transport.calls() > 100);  // it really went through in small steps
  CHECK(report.received.records >= 4);
  CHECK(report.heap_peak > 0);
  CHECK(report.heap_peak <= report.heap_budget);
  client.close();
}

TEST_CASE("a transport that only ever would block ends in MBEDTLS_ERR_SSL_TIMEOUT by the core's own deadline",
          "[field-fixed]") {
  servers::EndpointConfig config = test::tls12_endpoint();
  config.max_version = "tls1.3";
  servers::TestServer server(config);
  const uint16_t port = server.start();

  QuotaTransport transport(1024, /*stall_forever=*/true);
  FakeClock clock(50);  // 50 ms a look: the 4 x 1000 ms deadline passes after ~80 looks
  ScriptedEntropy entropy;
  NullLog log;
  core::Client client(transport, clock, entropy, log, test::heap());
  const auto ca = test::pem_for_mbedtls(test::ec_chain().root().pem);
  auto start = std::chrono::steady_clock::now();
  core::HandshakeReport report = client.connect({.server_address = "127.0.0.1",
                                                 .server_port = port,
                                                 .hostname = "cloud.shakedown.test",
                                                 .ca_certificates = ca,
                                                 .read_timeout_ms = 1'000});
  CHECK(report.stage == core::Stage::kHandshake);
  CHECK(std::string(report.result_name) == "MBEDTLS_ERR_SSL_TIMEOUT");
  CHECK(transport.calls() < 200);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));  // no real waiting
}

TEST_CASE("a heap budget too small for the handshake fails it with an allocation error, as on a device",
          "[field-fixed]") {
  servers::TestServer server(test::tls12_endpoint());
  const uint16_t port = server.start();
  sim::PosixTransport transport;
  FakeClock clock(1);
  ScriptedEntropy entropy;
  NullLog log;
  core::Client client(transport, clock, entropy, log, test::heap());
  const auto ca = test::pem_for_mbedtls(test::ec_chain().root().pem);
  core::HandshakeReport report = client.connect({.server_address = "127.0.0.1",
                                                 .server_port = port,
                                                 .hostname = "cloud.shakedown.test",
                                                 .ca_certificates = ca,
                                                 .heap_budget = 12 * 1024,
                                                 .read_timeout_ms = 5'000});
  CHECK(report.stage != core::Stage::kDone);
  CHECK(report.heap_budget == 12 * 1024);
  // Mbed TLS says so in its own words: an allocation failed somewhere.
  CHECK_THAT(std::string(report.result_name), Catch::Matchers::Contains("ALLOC_FAILED"));
}

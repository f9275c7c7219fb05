#pragma once
// Transport seam: the byte stream between the client core and the server.
//
// Backends: POSIX sockets (sim/), lwIP (firmware). Each backend maps its own
// errors to IoStatus in exactly one place; the core maps IoStatus to Mbed TLS
// codes in exactly one place (client.cc), so a TCP reset reads
// MBEDTLS_ERR_NET_CONN_RESET on every target.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace shakedown::core {

// The values travel in the device protocol (report_tag::kConnectStatus):
// add at the end, never renumber.
enum class IoStatus : uint8_t {
  kOk,          // bytes moved (IoResult::bytes > 0), or connected
  kWouldBlock,  // nothing right now; call again
  kTimedOut,    // no progress within the call's timeout
  kClosed,      // the peer closed its side in order (end of stream)
  kReset,       // the peer reset the connection (TCP RST)
  kRefused,     // connect: nothing listens at that address
  kNotAllowed,  // connect: the backend refuses that address (not a test server)
  kFailed,      // anything else the stack reports
  kNoLink,      // connect: the device's own link stayed down (or without an address) for the whole timeout
};

struct IoResult {
  size_t bytes = 0;  // > 0 exactly when status is kOk
  IoStatus status = IoStatus::kOk;

  static constexpr IoResult moved(size_t n) { return {n, IoStatus::kOk}; }
  static constexpr IoResult failed(IoStatus s) { return {0, s}; }
  constexpr bool ok() const { return status == IoStatus::kOk; }
};

// One connection at a time. Every call returns within its timeout; no call
// waits forever.
class Transport {
 public:
  virtual ~Transport() = default;

  // Opens a stream to host:port (a numeric address). Returns kOk once
  // connected, or why not, within timeout_ms.
  virtual IoStatus connect(std::string_view host, uint16_t port, uint32_t timeout_ms) = 0;

  // Writes some of `data`: a short write is normal. Returns moved(n) with
  // 0 < n <= data.size(), or a status; never moved(0).
  virtual IoResult send(std::span<const uint8_t> data) = 0;

  // Reads what is available, up to out.size(), waiting at most timeout_ms
  // (> 0) for the first byte. Returns moved(n), kTimedOut, kClosed, kReset,
  // or kFailed; never moved(0).
  virtual IoResult receive(std::span<uint8_t> out, uint32_t timeout_ms) = 0;

  // Closes the stream in order. Safe to call when not connected.
  virtual void close() = 0;
};

}  // namespace shakedown::core

#include "hostile_device.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <stdexcept>
#include <vector>

#include "shakedown/protocol/frame.h"
#include "shakedown/protocol/messages.h"
#include "shakedown/protocol/tlv.h"

namespace shakedown::testing {
namespace {

using protocol::MessageType;
using protocol::TlvWriter;
using namespace std::chrono_literals;

// However hostile, a test's fake must end: it streams for at most this long.
constexpr auto kStreamFor = 90s;

// Writes a whole frame; false once the host has gone.
bool send_frame(int fd, MessageType type, uint16_t seq, std::span<const uint8_t> payload) {
  std::array<uint8_t, protocol::kMaxEncodedFrame> frame{};
  const size_t n = protocol::encode_frame(static_cast<uint8_t>(type), seq, payload, frame);
  for (size_t sent = 0; sent < n;) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 1000) <= 0) return false;
    const ssize_t w = ::send(fd, frame.data() + sent, n - sent, MSG_NOSIGNAL);
    if (w <= 0) return false;
    sent += static_cast<size_t>(w);
  }
  return true;
}

bool ack(int fd, uint16_t seq) {
  std::array<uint8_t, 16> payload{};
  TlvWriter w(payload);
  w.put_i32(protocol::ack_tag::kStatus, 0);
  return send_frame(fd, MessageType::kAck, seq, w.bytes());
}

// Whether the host is still there, reading (and dropping) what it sent.
bool host_still_there(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return true;
  std::array<uint8_t, 4096> drop{};
  return ::recv(fd, drop.data(), drop.size(), MSG_DONTWAIT) > 0;
}

}  // namespace

HostileDevice::HostileDevice(Misbehaviour misbehaviour, std::string mbedtls_line, std::string profile)
    : misbehaviour_(misbehaviour), line_(std::move(mbedtls_line)), profile_(std::move(profile)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::listen(listener_, 4) != 0 || ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("hostile device: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

HostileDevice::~HostileDevice() {
  stop_ = true;
  thread_.join();
  ::close(listener_);
}

void HostileDevice::serve() {
  while (!stop_) {
    pollfd p{listener_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    serve_connection(fd);
    ::close(fd);
  }
}

void HostileDevice::serve_connection(int fd) {
  protocol::FrameDecoder decoder;
  std::array<uint8_t, 4096> buf{};
  while (!stop_) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const ssize_t got = ::recv(fd, buf.data(), buf.size(), 0);
    if (got <= 0) return;
    for (ssize_t i = 0; i < got; ++i) {
      if (!decoder.feed(buf[static_cast<size_t>(i)])) continue;
      const protocol::Frame& f = decoder.frame();
      const uint16_t seq = f.seq;
      switch (static_cast<MessageType>(f.type)) {
        case MessageType::kSync: {
          protocol::TlvReader r(f.payload);
          uint32_t nonce = 0;
          while (r.next()) {
            if (r.tag() == protocol::sync_tag::kNonce) r.get_u32(nonce);
          }
          std::array<uint8_t, 256> payload{};
          TlvWriter w(payload);
          w.put_u16(protocol::banner_tag::kProtocolVersion, protocol::kProtocolVersion);
          w.put_u32(protocol::banner_tag::kNonce, nonce);
          w.put_str(protocol::banner_tag::kTarget, "hostile");
          w.put_str(protocol::banner_tag::kMbedtlsLine, line_);
          w.put_str(protocol::banner_tag::kProfile, profile_);
          using namespace protocol::feature;
          w.put_u32(protocol::banner_tag::kFeatures, kSha256 | kSha384 | kRsa | kEcdsa | kTls12 | kTls13);
          if (!send_frame(fd, MessageType::kBanner, seq, w.bytes())) return;
          break;
        }
        case MessageType::kConnect:
          if (!misbehave(fd, seq)) return;
          break;
        default:
          if (!ack(fd, seq)) return;
      }
    }
  }
}

bool HostileDevice::misbehave(int fd, uint16_t seq) {
  std::array<uint8_t, protocol::kMaxPayload> payload{};
  const auto until = std::chrono::steady_clock::now() + kStreamFor;
  auto stream = [&](MessageType type, auto fill) {
    while (!stop_ && std::chrono::steady_clock::now() < until) {
      TlvWriter w(payload);
      fill(w);
      if (!send_frame(fd, type, seq, w.bytes()) || !host_still_there(fd)) return false;
      streamed_ += w.bytes().size();
    }
    return false;
  };
  switch (misbehaviour_) {
    case Misbehaviour::kChattyLog:
      return stream(MessageType::kLog, [](TlvWriter& w) {
        w.put_u8(protocol::log_tag::kLevel, 3);
        w.put_str(protocol::log_tag::kText, std::string(900, 'x'));
      });
    case Misbehaviour::kEndlessPeers:
      return stream(MessageType::kPeerCertificate, [](TlvWriter& w) {
        w.put_u8(protocol::peer_tag::kDepth, 1);
        w.put_str(protocol::peer_tag::kSubject, "CN=" + std::string(800, 'p'));
      });
    case Misbehaviour::kLiar: {
      TlvWriter w(payload);
      using namespace protocol::report_tag;
      w.put_u8(kStage, 4);  // done
      w.put_i32(kResult, 0);
      w.put_u32(kVerifyFlags, 0xffffffff);
      w.put_u16(kAlertReceived, 2 << 8 | 40);  // fatal handshake_failure
      w.put_u32(kBytesReceived, 0);
      w.put_str(kVersion, "TLSv1.2");
      w.put_str(kSuite, "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256");
      w.put_u16(kSuiteId, 0xc02b);
      return send_frame(fd, MessageType::kReport, seq, w.bytes());
    }
    case Misbehaviour::kNotUtf8Report: {
      TlvWriter log(payload);
      log.put_u8(protocol::log_tag::kLevel, 1);
      log.put_str(protocol::log_tag::kText, "subject: O=Soci\xe9t\xe9 G\xe9n\xe9rale, CN=\xff\xfe");
      if (!send_frame(fd, MessageType::kLog, seq, log.bytes())) return false;
      TlvWriter w(payload);
      using namespace protocol::report_tag;
      w.put_u8(kStage, 3);  // handshake
      w.put_i32(kResult, -0x7780);
      w.put_str(kFailedCall, "mbedtls_ssl_handshake");
      w.put_str(kResultName, "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE\xe9");
      w.put_str(kResultText, "caf\xe9 \xc3(");
      return send_frame(fd, MessageType::kReport, seq, w.bytes());
    }
  }
  return false;
}

}  // namespace shakedown::testing

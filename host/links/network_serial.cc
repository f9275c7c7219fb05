#include "network_serial.h"

#include <arpa/inet.h>
#include <poll.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <stdexcept>
#include <vector>

#include "host_lookup.h"
#include "rfc2217_client.h"
#include "tcp_link.h"

namespace shakedown::links {
namespace {

using Clock = std::chrono::steady_clock;
using Protocol = NetworkSerialAddress::Protocol;

// The text a server sent before closing (ser2net says "Port already in use"
// when someone else has the port), printable and short, for a message.
std::string said(const std::vector<uint8_t>& bytes) {
  std::string text;
  for (uint8_t byte : bytes) {
    if (text.size() == 120) break;
    const bool printable = byte >= 0x20 && byte < 0x7f;
    if (printable || (!text.empty() && text.back() != ' ')) text += printable ? static_cast<char>(byte) : ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text.empty() ? "" : fmt::format(", saying \"{}\"", text);
}

class NetworkSerialLink final : public Link {
 public:
  // `telnet`: null for tcp://.
  NetworkSerialLink(TcpLink tcp, std::string url, std::unique_ptr<Rfc2217Client> telnet)
      : tcp_(std::move(tcp)), url_(std::move(url)), telnet_(std::move(telnet)) {}

  LinkRead read(std::span<uint8_t> out, std::chrono::milliseconds timeout) override {
    const auto deadline = Clock::now() + timeout;
    // Telnet commands carry no data: wait on past them, until data comes or the time is up.
    while (pending_.empty()) {
      if (closed_) return {LinkRead::Status::kClosed, 0};
      if (pump(deadline) == LinkRead::Status::kTimedOut) return {LinkRead::Status::kTimedOut, 0};
      if (pending_.empty() && !closed_ && Clock::now() >= deadline) return {LinkRead::Status::kTimedOut, 0};
    }
    const size_t n = std::min(out.size(), pending_.size());
    std::copy_n(pending_.begin(), n, out.begin());
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
    return {LinkRead::Status::kData, n};
  }

  bool write(std::span<const uint8_t> data, std::chrono::milliseconds timeout) override {
    // A peer that has hung up still takes the first send (the kernel learns
    // of the close only from its reset): ask the socket first.
    pollfd p{tcp_.native_handle(), POLLRDHUP, 0};
    if (closed_ || (::poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0)) {
      write_failed_ = true;
    }
    const auto deadline = Clock::now() + timeout;
    if (!telnet_) return send(data, deadline);
    telnet_->send(data);
    return send(telnet_->take_outgoing(), deadline);
  }

  std::string describe() const override { return url_; }

  // Sends the client's side of the RFC 2217 negotiation and waits until the
  // server has agreed to all of it; what failed otherwise.
  Result<void> negotiate(Clock::time_point deadline, std::chrono::milliseconds timeout) {
    send(telnet_->take_outgoing(), deadline);
    while (!telnet_->configured()) {
      if (!telnet_->failure().empty()) return infrastructure_error(telnet_->failure());
      // A send fails when the server has closed first (ser2net turning a
      // second client away): read on for what it said before closing.
      if (closed_) {
        return infrastructure_error("the server closed the connection during RFC 2217 negotiation" + said(pending_));
      }
      if (Clock::now() >= deadline) {
        if (write_failed_) return infrastructure_error("sending the RFC 2217 negotiation failed");
        return infrastructure_error(
            fmt::format("RFC 2217 negotiation: no {} within {} ms", telnet_->awaiting(), timeout.count()));
      }
      pump(deadline);
    }
    return {};
  }

 private:
  // One read from the socket, its data into pending_, telnet's replies sent.
  LinkRead::Status pump(Clock::time_point deadline) {
    std::array<uint8_t, 4096> chunk{};
    const LinkRead got = tcp_.read(chunk, time_left(deadline));
    if (got.status == LinkRead::Status::kClosed) closed_ = true;
    if (got.status != LinkRead::Status::kData) return got.status;
    const auto bytes = std::span(chunk).first(got.bytes);
    if (!telnet_) {
      pending_.insert(pending_.end(), bytes.begin(), bytes.end());
    } else {
      telnet_->receive(bytes, pending_);
      if (auto replies = telnet_->take_outgoing(); !replies.empty()) send(replies, deadline);
    }
    return got.status;
  }

  bool send(std::span<const uint8_t> bytes, Clock::time_point deadline) {
    if (!write_failed_ && tcp_.write(bytes, time_left(deadline))) return true;
    write_failed_ = true;
    return false;
  }

  TcpLink tcp_;
  std::string url_;
  std::unique_ptr<Rfc2217Client> telnet_;
  std::vector<uint8_t> pending_;  // data received and not read yet
  bool closed_ = false;           // the connection ended: reads say so once pending_ is empty
  bool write_failed_ = false;     // every write fails from now on
};

}  // namespace

Result<std::unique_ptr<Link>> open_network_serial(const NetworkSerialAddress& address, int baud,
                                                  std::chrono::milliseconds timeout) {
  const std::string url = network_serial_url(address);
  if (baud <= 0) return usage_error(fmt::format("{}: a baud rate of {} cannot be set", url, baud));
  const auto deadline = Clock::now() + timeout;
  auto tcp = TcpLink::connect(address.host, address.port, timeout);
  if (!tcp) return infrastructure_error(fmt::format("{}: {}", url, tcp.error().message));
  const bool rfc2217 = address.protocol == Protocol::kRfc2217;
  auto link = std::make_unique<NetworkSerialLink>(
      std::move(*tcp), url, rfc2217 ? std::make_unique<Rfc2217Client>(static_cast<uint32_t>(baud)) : nullptr);
  if (rfc2217) {
    if (auto negotiated = link->negotiate(deadline, timeout); !negotiated) {
      return infrastructure_error(fmt::format("{}: {}", url, negotiated.error().message));
    }
  }
  return link;
}

}  // namespace shakedown::links

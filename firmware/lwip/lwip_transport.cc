#include "shakedown/lwip/lwip_transport.h"

#include <lwip/ip_addr.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/tcp.h>

#include <algorithm>
#include <cstring>

namespace shakedown::lwip {
namespace {

using core::IoResult;
using core::IoStatus;

// A full send buffer drains as the server ACKs; this bounds that wait, as
// the simulator's socket transport does.
constexpr uint32_t kSendWaitMs = 10'000;

// The one place lwIP's errors become IoStatus (as Mbed TLS's net_sockets.c
// maps errno). `connecting`: a reset while connecting means nobody listens.
IoStatus status_from_err(err_t err, bool connecting) {
  switch (err) {
    case ERR_RST: return connecting ? IoStatus::kRefused : IoStatus::kReset;
    case ERR_ABRT: return IoStatus::kReset;
    case ERR_CLSD: return IoStatus::kClosed;
    case ERR_TIMEOUT: return IoStatus::kTimedOut;
    case ERR_CONN:
    case ERR_RTE: return connecting ? IoStatus::kRefused : IoStatus::kFailed;
    case ERR_WOULDBLOCK:
    case ERR_MEM: return IoStatus::kWouldBlock;
    default: return IoStatus::kFailed;
  }
}

// lwIP routes only over an interface that is up, has its link and an
// address; without one tcp_connect fails at once with ERR_RTE.
bool can_route() {
  const netif* nif = netif_default;
  return nif != nullptr && netif_is_up(nif) && netif_is_link_up(nif) && !ip4_addr_isany_val(*netif_ip4_addr(nif));
}

}  // namespace

IoStatus LwipTransport::connect(std::string_view host, uint16_t port, uint32_t timeout_ms) {
  close();
  char text[16];
  ip_addr_t address;
  if (host.size() >= sizeof text) return IoStatus::kNotAllowed;
  std::memcpy(text, host.data(), host.size());
  text[host.size()] = '\0';
  if (ipaddr_aton(text, &address) == 0) return IoStatus::kNotAllowed;  // numeric addresses only

  // A board restarts auto-negotiation at every reset (2-3 s), and a DHCP
  // lease takes longer: wait for both within the connect's own timeout, so
  // an early connect is not a refusal, and a link that never comes up is
  // told apart from a server that refuses.
  const uint64_t deadline = clock_.monotonic_ms() + timeout_ms;
  while (!can_route()) {
    if (clock_.monotonic_ms() >= deadline) return IoStatus::kNoLink;
    network_.poll();
  }

  pcb_ = tcp_new();
  if (pcb_ == nullptr) return IoStatus::kFailed;
  tcp_arg(pcb_, this);
  tcp_err(pcb_, on_error);
  tcp_recv(pcb_, on_received);
  tcp_nagle_disable(pcb_);
  state_ = State::kConnecting;
  if (err_t err = tcp_connect(pcb_, &address, port, on_connected); err != ERR_OK) {
    detach();
    return status_from_err(err, true);
  }
  for (;;) {
    State state = state_;  // read once per round: callbacks change it inside poll()
    if (state != State::kConnecting) break;
    if (clock_.monotonic_ms() >= deadline) {
      close();
      return IoStatus::kTimedOut;
    }
    network_.poll();
  }
  if (state_ == State::kFailed) {
    IoStatus why = failure_;
    close();
    return why;
  }
  return IoStatus::kOk;
}

IoResult LwipTransport::send(std::span<const uint8_t> data) {
  if (state_ == State::kFailed) return IoResult::failed(failure_);
  if (pcb_ == nullptr || state_ == State::kIdle) return IoResult::failed(IoStatus::kFailed);
  const uint64_t deadline = clock_.monotonic_ms() + kSendWaitMs;
  for (;;) {
    // lwIP takes at most its free send buffer and a u16 length per write.
    size_t room = std::min<size_t>({data.size(), tcp_sndbuf(pcb_), 0xffff});
    if (room > 0) {
      err_t err = tcp_write(pcb_, data.data(), static_cast<u16_t>(room), TCP_WRITE_FLAG_COPY);
      if (err == ERR_OK) {
        tcp_output(pcb_);
        return IoResult::moved(room);
      }
      if (err != ERR_MEM) return IoResult::failed(status_from_err(err, false));
    }
    if (clock_.monotonic_ms() >= deadline) return IoResult::failed(IoStatus::kTimedOut);
    network_.poll();
    if (state_ == State::kFailed) return IoResult::failed(failure_);
    if (pcb_ == nullptr) return IoResult::failed(IoStatus::kFailed);
  }
}

IoResult LwipTransport::receive(std::span<uint8_t> out, uint32_t timeout_ms) {
  const uint64_t deadline = clock_.monotonic_ms() + timeout_ms;
  for (;;) {
    // Bytes that arrived before a close or reset are still delivered first.
    if (received_ != nullptr) {
      u16_t n = pbuf_copy_partial(received_, out.data(), static_cast<u16_t>(std::min<size_t>(out.size(), 0xffff)), 0);
      received_ = pbuf_free_header(received_, n);
      if (pcb_ != nullptr) tcp_recved(pcb_, n);  // reopen the window by what we consumed
      return IoResult::moved(n);
    }
    State state = state_;
    if (state == State::kPeerClosed) return IoResult::failed(IoStatus::kClosed);
    if (state == State::kFailed) return IoResult::failed(failure_);
    if (state != State::kConnected) return IoResult::failed(IoStatus::kFailed);
    if (clock_.monotonic_ms() >= deadline) return IoResult::failed(IoStatus::kTimedOut);
    network_.poll();
  }
}

void LwipTransport::close() {
  if (pcb_ != nullptr) {
    tcp_pcb* pcb = pcb_;
    detach();
    // An orderly close; lwIP finishes it from its timers. If it cannot even
    // queue the FIN, drop the connection rather than leak the pcb.
    if (tcp_close(pcb) != ERR_OK) tcp_abort(pcb);
  }
  if (received_ != nullptr) {
    pbuf_free(received_);
    received_ = nullptr;
  }
  state_ = State::kIdle;
}

void LwipTransport::detach() {
  if (pcb_ == nullptr) return;
  tcp_arg(pcb_, nullptr);
  tcp_err(pcb_, nullptr);
  tcp_recv(pcb_, nullptr);
  pcb_ = nullptr;
}

err_t LwipTransport::on_connected(void* arg, tcp_pcb*, err_t err) {
  auto* self = static_cast<LwipTransport*>(arg);
  if (self == nullptr) return ERR_OK;
  if (err == ERR_OK) {
    self->state_ = State::kConnected;
  } else {
    self->state_ = State::kFailed;
    self->failure_ = status_from_err(err, true);
  }
  return ERR_OK;
}

err_t LwipTransport::on_received(void* arg, tcp_pcb* pcb, pbuf* p, err_t err) {
  auto* self = static_cast<LwipTransport*>(arg);
  if (self == nullptr) {  // closed on our side already: drop what comes
    if (p != nullptr) {
      tcp_recved(pcb, p->tot_len);
      pbuf_free(p);
    }
    return ERR_OK;
  }
  if (p == nullptr) {  // the server's FIN
    if (self->state_ == State::kConnected) self->state_ = State::kPeerClosed;
    return ERR_OK;
  }
  if (err != ERR_OK) {
    pbuf_free(p);
    return ERR_OK;
  }
  if (self->received_ == nullptr) {
    self->received_ = p;
  } else {
    pbuf_cat(self->received_, p);
  }
  return ERR_OK;
}

// lwIP has freed the pcb already when it calls this.
void LwipTransport::on_error(void* arg, err_t err) {
  auto* self = static_cast<LwipTransport*>(arg);
  if (self == nullptr) return;
  const bool connecting = self->state_ == State::kConnecting;
  self->pcb_ = nullptr;
  self->state_ = State::kFailed;
  self->failure_ = status_from_err(err, connecting);
}

}  // namespace shakedown::lwip

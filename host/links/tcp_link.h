#pragma once
// A Link over a TCP connection: to a loopback port (the simulator, QEMU's
// chardev), or to any host (a ser2net on another machine).

#include <functional>
#include <string>

#include "link.h"
#include "shakedown/errors/result.h"

namespace shakedown::links {

class TcpLink final : public Link {
 public:
  // Connects to host:port within `timeout`, looking the host up included
  // (a name, an IPv4 address, or an IPv6 one without brackets), trying each
  // of its addresses in turn; an infrastructure error saying why if it could not.
  static Result<TcpLink> connect(const std::string& host, uint16_t port, std::chrono::milliseconds timeout);
  // Connects to 127.0.0.1:port, as above.
  static Result<TcpLink> connect(uint16_t port, std::chrono::milliseconds timeout);
  TcpLink(TcpLink&& other) noexcept;
  TcpLink& operator=(TcpLink&&) = delete;
  ~TcpLink() override;

  LinkRead read(std::span<uint8_t> out, std::chrono::milliseconds timeout) override;
  bool write(std::span<const uint8_t> data, std::chrono::milliseconds timeout) override;
  std::string describe() const override;
  // The socket, for a caller that polls it with other descriptors.
  int native_handle() const { return fd_; }

 private:
  friend class TcpListener;
  TcpLink(int fd, std::string peer) : fd_(fd), peer_(std::move(peer)) {}
  int fd_ = -1;
  std::string peer_;  // "HOST:PORT", for describe()
};

// A listener on 127.0.0.1 and a port the kernel picks, for devices that
// connect to the host (QEMU's UART chardev as a client): no port to guess,
// no race between choosing a port and binding it.
class TcpListener {
 public:
  // An infrastructure error saying why if it could not listen.
  static Result<TcpListener> open();
  TcpListener(TcpListener&& other) noexcept;
  TcpListener& operator=(TcpListener&&) = delete;
  ~TcpListener();

  uint16_t port() const { return port_; }
  // Accepts one connection within `timeout`, asking `give_up` every few
  // milliseconds whether waiting still makes sense (e.g. the peer process
  // has died). An infrastructure error saying why otherwise.
  Result<TcpLink> accept(std::chrono::milliseconds timeout, const std::function<bool()>& give_up);

 private:
  TcpListener(int fd, uint16_t port) : fd_(fd), port_(port) {}
  int fd_ = -1;
  uint16_t port_ = 0;
};

}  // namespace shakedown::links

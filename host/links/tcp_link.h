#pragma once
// A Link over a TCP connection to a loopback address.

#include <optional>

#include "link.h"

namespace shakedown::links {

class TcpLink final : public Link {
 public:
  // Connects to 127.0.0.1:port within `timeout`; nullopt with `error` set if
  // it could not.
  static std::optional<TcpLink> connect(uint16_t port, std::chrono::milliseconds timeout, std::string& error);
  TcpLink(TcpLink&& other) noexcept;
  TcpLink& operator=(TcpLink&&) = delete;
  ~TcpLink() override;

  LinkRead read(std::span<uint8_t> out, std::chrono::milliseconds timeout) override;
  bool write(std::span<const uint8_t> data, std::chrono::milliseconds timeout) override;
  std::string describe() const override;

 private:
  TcpLink(int fd, uint16_t port) : fd_(fd), port_(port) {}
  int fd_ = -1;
  uint16_t port_ = 0;
};

}  // namespace shakedown::links

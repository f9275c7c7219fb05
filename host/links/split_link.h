#pragma once
// A Link whose two directions take different ways: requests go to the
// device over a TCP link (QEMU's UART0 chardev), its output comes back on
// a pipe (a FIFO the device writes whole frames into through semihosting,
// which costs far less emulated time than a byte-wide UART). The TCP
// link's hang-up still ends the link: QEMU gone means both ways gone.

#include <memory>

#include "link.h"
#include "tcp_link.h"

namespace shakedown::links {

class SplitLink final : public Link {
 public:
  // Takes ownership of `output_fd` (the FIFO's read end, opened O_RDWR so
  // it never reads as closed while QEMU has not opened it yet).
  SplitLink(int output_fd, std::unique_ptr<TcpLink> input);
  ~SplitLink() override;
  SplitLink(const SplitLink&) = delete;
  SplitLink& operator=(const SplitLink&) = delete;

  // Reads from the pipe, or from the TCP link should the device write there
  // too; closed when the TCP link is.
  LinkRead read(std::span<uint8_t> out, std::chrono::milliseconds timeout) override;
  bool write(std::span<const uint8_t> data, std::chrono::milliseconds timeout) override;
  std::string describe() const override;

 private:
  int output_fd_;
  std::unique_ptr<TcpLink> input_;
};

}  // namespace shakedown::links

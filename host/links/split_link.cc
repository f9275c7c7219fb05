#include "split_link.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace shakedown::links {

SplitLink::SplitLink(int output_fd, std::unique_ptr<TcpLink> input) : output_fd_(output_fd), input_(std::move(input)) {}

SplitLink::~SplitLink() {
  if (output_fd_ >= 0) ::close(output_fd_);
}

LinkRead SplitLink::read(std::span<uint8_t> out, std::chrono::milliseconds timeout) {
  pollfd fds[2] = {{output_fd_, POLLIN, 0}, {input_->native_handle(), POLLIN, 0}};
  const int ms = static_cast<int>(std::clamp<int64_t>(timeout.count(), 0, 600'000));
  const int n = ::poll(fds, 2, ms);
  if (n == 0 || (n < 0 && errno == EINTR)) return {LinkRead::Status::kTimedOut, 0};
  if (n < 0) return {LinkRead::Status::kClosed, 0};
  // Output first: it holds what the device sent before any hang-up.
  if ((fds[0].revents & POLLIN) != 0) {
    const ssize_t got = ::read(output_fd_, out.data(), out.size());
    if (got > 0) return {LinkRead::Status::kData, static_cast<size_t>(got)};
  }
  if (fds[1].revents != 0) return input_->read(out, std::chrono::milliseconds(0));
  return {LinkRead::Status::kTimedOut, 0};
}

bool SplitLink::write(std::span<const uint8_t> data, std::chrono::milliseconds timeout) {
  return input_->write(data, timeout);
}

std::string SplitLink::describe() const {
  return input_->describe() + " (output by pipe)";
}

}  // namespace shakedown::links

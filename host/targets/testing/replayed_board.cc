#include "replayed_board.h"

#include <fmt/format.h>

#include <array>
#include <stdexcept>

#include "shakedown/protocol/frame.h"
#include "shakedown/protocol/tlv.h"

namespace shakedown::targets::testing {

using protocol::MessageType;
using Clock = std::chrono::steady_clock;

struct ReplayedBench::Line {
  std::deque<uint8_t> to_host;
  bool closed = false;
  protocol::FrameDecoder from_host;
};

namespace {

class ReplayLink final : public links::Link {
 public:
  ReplayLink(std::shared_ptr<ReplayedBench::Line> line, std::mutex& mutex,
             std::condition_variable& arrived, std::string name,
             std::function<void(MessageType, uint16_t, std::span<const uint8_t>)> answer)
      : line_(std::move(line)), mutex_(mutex), arrived_(arrived), name_(std::move(name)),
        answer_(std::move(answer)) {}

  links::LinkRead read(std::span<uint8_t> out, std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, timeout, [&] { return !line_->to_host.empty() || line_->closed; });
    if (line_->to_host.empty()) {
      return {line_->closed ? links::LinkRead::Status::kClosed : links::LinkRead::Status::kTimedOut, 0};
    }
    size_t n = 0;
    for (; n < out.size() && !line_->to_host.empty(); ++n) {
      out[n] = line_->to_host.front();
      line_->to_host.pop_front();
    }
    return {links::LinkRead::Status::kData, n};
  }

  bool write(std::span<const uint8_t> data, std::chrono::milliseconds) override {
    std::unique_lock lock(mutex_);
    for (uint8_t byte : data) {
      if (line_->closed) return false;
      if (line_->from_host.feed(byte)) {
        const protocol::Frame& f = line_->from_host.frame();
        answer_(static_cast<MessageType>(f.type), f.seq, f.payload);
      }
    }
    arrived_.notify_all();
    return !line_->closed;
  }

  std::string describe() const override { return name_ + " (replayed)"; }

 private:
  std::shared_ptr<ReplayedBench::Line> line_;
  std::mutex& mutex_;
  std::condition_variable& arrived_;
  std::string name_;
  std::function<void(MessageType, uint16_t, std::span<const uint8_t>)> answer_;
};

// The banner's payload with the sync's nonce, and optionally another build
// and another state of the network.
std::vector<uint8_t> rewrite_banner(std::span<const uint8_t> payload, uint32_t nonce,
                                    const std::optional<std::pair<std::string, std::string>>& build,
                                    std::optional<uint8_t> ethernet_start) {
  std::vector<uint8_t> out(protocol::kMaxPayload);
  protocol::TlvWriter w(out);
  protocol::TlvReader r(payload);
  while (r.next()) {
    if (r.tag() == protocol::banner_tag::kNonce) {
      w.put_u32(r.tag(), nonce);
    } else if (build && r.tag() == protocol::banner_tag::kMbedtlsLine) {
      w.put_str(r.tag(), build->first);
    } else if (build && r.tag() == protocol::banner_tag::kProfile) {
      w.put_str(r.tag(), build->second);
    } else if (!ethernet_start || r.tag() < protocol::network_tag::kStart) {
      w.put_bytes(r.tag(), r.value());
    }
  }
  if (ethernet_start) {
    w.put_u8(protocol::network_tag::kStart, *ethernet_start);
    w.put_u8(protocol::network_tag::kLinkUp, 0);
    w.put_u8(protocol::network_tag::kAddressReady, 1);
    w.put_u32(protocol::network_tag::kDroppedFrames, 0);
  }
  out.resize(w.size());
  return out;
}

}  // namespace

ReplayedBench::ReplayedBench(const std::vector<links::TrafficChunk>& recording, std::string serial,
                             ReplayFaults faults)
    : serial_(std::move(serial)), faults_(std::move(faults)), line_(std::make_shared<Line>()) {
  protocol::FrameDecoder to_device, from_device;
  for (const auto& chunk : recording) {
    const bool host = chunk.direction == links::TrafficChunk::Direction::kToDevice;
    for (uint8_t byte : chunk.bytes) {
      if (!(host ? to_device : from_device).feed(byte)) continue;
      const protocol::Frame& f = (host ? to_device : from_device).frame();
      if (host) {
        exchanges_.push_back({static_cast<MessageType>(f.type), {}});
      } else if (!exchanges_.empty()) {
        exchanges_.back().replies.push_back({f.type, std::vector<uint8_t>(f.payload.begin(), f.payload.end())});
      }
    }
  }
  bool answered = false;
  for (const auto& e : exchanges_) answered = answered || !e.replies.empty();
  if (!answered) throw std::runtime_error("the recording holds no answered request");
}

ReplayedBench::~ReplayedBench() = default;

std::vector<uint8_t> ReplayedBench::noise(size_t n) {
  std::vector<uint8_t> out(n);
  for (auto& byte : out) {
    noise_state_ ^= noise_state_ << 13;
    noise_state_ ^= noise_state_ >> 17;
    noise_state_ ^= noise_state_ << 5;
    byte = static_cast<uint8_t>(noise_state_);
  }
  return out;
}

void ReplayedBench::answer(MessageType type, uint16_t seq, std::span<const uint8_t> payload) {
  ++requests_[type];
  if (hung_) return;
  if (faults_.vanish_on == type) {
    faults_.vanish_on.reset();
    line_->closed = true;
    line_ = std::make_shared<Line>();
    gone_until_ = Clock::now() + faults_.gone_for;
    ++port_number_;
    return;
  }
  if (faults_.hang_on == type) {
    faults_.hang_on.reset();
    hung_ = true;
    return;
  }
  auto push = [&](std::span<const uint8_t> bytes) { line_->to_host.insert(line_->to_host.end(), bytes.begin(), bytes.end()); };
  if (faults_.noise_only) {
    push(noise(64));
    return;
  }
  // The next recorded exchange for this request type that was answered.
  const size_t count = exchanges_.size();
  size_t& from = next_[type];
  std::optional<size_t> found;
  for (size_t i = 0; i < count && !found; ++i) {
    const size_t at = (from + i) % count;
    if (exchanges_[at].request == type && !exchanges_[at].replies.empty()) found = at;
  }
  if (!found) return;  // never seen answered: the board stays silent, as an agent that does not know it would not
  from = *found + 1;
  uint32_t nonce = 0;
  if (type == MessageType::kSync) {
    protocol::TlvReader r(payload);
    while (r.next()) {
      if (r.tag() == protocol::sync_tag::kNonce) r.get_u32(nonce);
    }
  }
  const Exchange& e = exchanges_[*found];
  std::array<uint8_t, protocol::kMaxEncodedFrame> frame{};
  for (const Reply& reply : e.replies) {
    if (faults_.noise_before_replies > 0) push(noise(faults_.noise_before_replies));
    const std::vector<uint8_t> body =
        static_cast<MessageType>(reply.type) == MessageType::kBanner
            ? rewrite_banner(reply.payload, nonce, flashed_.empty() ? faults_.runs_before_flash : std::nullopt,
                             faults_.ethernet_start)
            : reply.payload;
    const size_t n = protocol::encode_frame(reply.type, seq, body, frame);
    push(std::span<const uint8_t>(frame.data(), n));
  }
}

Result<std::vector<boards::SerialPortInfo>> ReplayedBench::ports() {
  std::lock_guard lock(mutex_);
  std::vector<boards::SerialPortInfo> ports{{.name = "/dev/ttyS0", .description = "built-in UART"}};
  if (gone_until_ && Clock::now() < *gone_until_) return ports;
  ports.push_back({.name = port_name_locked(),
                   .description = "STM32 STLink - ST-Link VCP Ctrl",
                   .usb = true,
                   .vid = 0x0483,
                   .pid = 0x374b,
                   .serial = serial_});
  return ports;
}

Result<std::unique_ptr<links::Link>> ReplayedBench::open(const std::string& port) {
  std::lock_guard lock(mutex_);
  if ((gone_until_ && Clock::now() < *gone_until_) || port != port_name_locked()) {
    return infrastructure_error("No such file or directory");
  }
  return std::make_unique<ReplayLink>(line_, mutex_, arrived_, port,
                                      [this](MessageType type, uint16_t seq, std::span<const uint8_t> payload) {
                                        answer(type, seq, payload);
                                      });
}

Result<void> ReplayedBench::reset(const BenchBoard& board) {
  std::lock_guard lock(mutex_);
  if (board.serial != serial_)
    return infrastructure_error(fmt::format("no ST-Link with serial number {}", board.serial));
  ++resets_;
  hung_ = resets_ <= faults_.silent_boots;
  return {};
}

Result<void> ReplayedBench::flash(const BenchBoard& board, const std::filesystem::path& image) {
  std::lock_guard lock(mutex_);
  if (board.serial != serial_) {
    return infrastructure_error(fmt::format("no ST-Link with serial number {}", board.serial));
  }
  flashed_.push_back(image);
  return {};
}

int ReplayedBench::resets() const {
  std::lock_guard lock(mutex_);
  return resets_;
}

std::vector<std::filesystem::path> ReplayedBench::flashed() const {
  std::lock_guard lock(mutex_);
  return flashed_;
}

size_t ReplayedBench::requests(MessageType type) const {
  std::lock_guard lock(mutex_);
  auto it = requests_.find(type);
  return it == requests_.end() ? 0 : it->second;
}

std::string ReplayedBench::port_name() const {
  std::lock_guard lock(mutex_);
  return port_name_locked();
}

std::string ReplayedBench::port_name_locked() const {
  return fmt::format("/dev/ttyACM{}", port_number_);
}

}  // namespace shakedown::targets::testing

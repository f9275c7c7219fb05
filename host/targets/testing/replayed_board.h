#pragma once
// TEST STAND-IN, not a target: a bench of one NUCLEO board whose device side
// replays recorded serial traffic (a links/traffic_transcript.h transcript,
// e.g. recorded from the QEMU image with `shakedown run --record-traffic`).
// It implements the BenchHardware seam, so the board target's state machine
// (reopen by serial number, reset, sync, flash, the exchange) runs unchanged
// against it, with faults a real bench shows injected on cue.
//
// Replay: the recording is cut into exchanges, one per host request, each
// holding the device frames that answered it. A request is answered with
// the next recorded exchange of its type (wrapping around), re-framed with
// the request's sequence number, and a banner carries the sync's nonce. The
// bytes of the frames are the recorded ones otherwise.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "board_target.h"
#include "shakedown/protocol/messages.h"
#include "traffic_transcript.h"

namespace shakedown::targets::testing {

struct ReplayFaults {
  // The first N hardware resets leave a board that never answers.
  int silent_boots = 0;
  // Noise on the line: this many bytes of it before every reply...
  size_t noise_before_replies = 0;
  // ...or nothing but noise, ever (a wrong baud rate, a broken level shifter).
  bool noise_only = false;
  // The port vanishes when this request arrives (once), as on a USB
  // re-enumeration, and comes back under the next ttyACM name after
  // `gone_for`.
  std::optional<protocol::MessageType> vanish_on;
  std::chrono::milliseconds gone_for{300};
  // The board stops answering when this request arrives (once), until its
  // next hardware reset.
  std::optional<protocol::MessageType> hang_on;
  // Until something is flashed, banners say this build instead of the
  // recording's ("2.28", "default-16k").
  std::optional<std::pair<std::string, std::string>> runs_before_flash;
  // Banners report the board's Ethernet start-up with this status (the
  // agent's NetworkStart value: 1 no reference clock, 2 no PHY) and the
  // link down, as a board with a dead PHY would.
  std::optional<uint8_t> ethernet_start;
};

class ReplayedBench final : public BenchHardware {
 public:
  // Throws std::runtime_error if the recording holds no answered request.
  ReplayedBench(const std::vector<links::TrafficChunk>& recording, std::string serial, ReplayFaults faults);
  ~ReplayedBench() override;

  Result<std::vector<boards::SerialPortInfo>> ports() override;
  Result<std::unique_ptr<links::Link>> open(const std::string& port) override;
  Result<void> reset(const BenchBoard& board) override;
  Result<void> flash(const BenchBoard& board, const std::filesystem::path& image) override;

  // What happened, for assertions.
  int resets() const;
  std::vector<std::filesystem::path> flashed() const;
  size_t requests(protocol::MessageType type) const;
  std::string port_name() const;

  // The line state an open link shares with the bench: bytes for the host,
  // whether the port has gone, the decoder of what the host sent.
  struct Line;

 private:
  struct Reply {
    uint8_t type = 0;
    std::vector<uint8_t> payload;  // re-framed with the request's seq on replay
  };
  struct Exchange {
    protocol::MessageType request{};
    std::vector<Reply> replies;
  };
  void answer(protocol::MessageType type, uint16_t seq, std::span<const uint8_t> payload);
  std::vector<uint8_t> noise(size_t n);
  std::string port_name_locked() const;

  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<Exchange> exchanges_;
  std::map<protocol::MessageType, size_t> next_;  // per request type, the next exchange to search from
  std::map<protocol::MessageType, size_t> requests_;
  std::string serial_;
  ReplayFaults faults_;
  int resets_ = 0;
  int port_number_ = 0;  // ttyACM<n>
  bool hung_ = false;
  std::optional<std::chrono::steady_clock::time_point> gone_until_;
  std::vector<std::filesystem::path> flashed_;
  std::shared_ptr<Line> line_;  // the open link's state; replaced when the port vanishes
  uint32_t noise_state_ = 0x2545F491;
};

}  // namespace shakedown::targets::testing

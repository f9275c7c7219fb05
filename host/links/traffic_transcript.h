#pragma once
// Device traffic transcripts: the bytes a Link carried each way, with when,
// as text (diffable, small enough to keep as test data). A RecordingLink
// writes one while it carries a run's traffic (`shakedown run
// --record-traffic DIR`); tests replay them through a stand-in board
// (host/targets/testing/replayed_board.h). The format, one chunk a line:
//
//   # shakedown device traffic v1
//   # link: /dev/ttyACM0                     (free text after '#')
//   @0.000 > 00 05 01 01 ...                 host to device
//   @0.012 < 00 07 81 ...                    device to host
//
// "@" seconds since the link was opened, the direction, the bytes in hex.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "link.h"

namespace shakedown::links {

struct TrafficChunk {
  enum class Direction { kToDevice, kFromDevice } direction = Direction::kToDevice;
  double seconds = 0;  // since the link opened
  std::vector<uint8_t> bytes;
  size_t line = 0;  // where it was read from, for messages
};

// A transcript file that does not parse: what() names the file, the line and
// the field ("traffic.txt:12: bytes: 'zz' is not a hex byte").
class TranscriptError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::vector<TrafficChunk> read_transcript(const std::filesystem::path& path);
// The same for a transcript's text already in memory: `path` names it in
// messages; nothing is read from disk.
std::vector<TrafficChunk> parse_transcript(std::string_view text, const std::filesystem::path& path);

// Carries another Link's traffic unchanged and appends each chunk to a
// transcript as it passes, flushed line by line so a run that dies keeps
// what it had.
class RecordingLink final : public Link {
 public:
  // Throws std::runtime_error if `path` cannot be written.
  RecordingLink(std::unique_ptr<Link> inner, const std::filesystem::path& path);
  LinkRead read(std::span<uint8_t> out, std::chrono::milliseconds timeout) override;
  bool write(std::span<const uint8_t> data, std::chrono::milliseconds timeout) override;
  std::string describe() const override { return inner_->describe(); }

 private:
  void record(TrafficChunk::Direction direction, std::span<const uint8_t> bytes);

  std::unique_ptr<Link> inner_;
  std::ofstream out_;
  std::chrono::steady_clock::time_point opened_ = std::chrono::steady_clock::now();
};

}  // namespace shakedown::links

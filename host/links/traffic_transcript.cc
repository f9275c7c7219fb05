#include "traffic_transcript.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <iterator>
#include <sstream>

namespace shakedown::links {
namespace {

constexpr const char* kHeader = "# shakedown device traffic v1";

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::vector<TrafficChunk> read_transcript(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TranscriptError(fmt::format("{}: cannot open", path.string()));
  const std::string text{std::istreambuf_iterator<char>(in), {}};
  if (in.bad()) throw TranscriptError(fmt::format("{}: cannot read", path.string()));
  return parse_transcript(text, path);
}

std::vector<TrafficChunk> parse_transcript(std::string_view text, const std::filesystem::path& path) {
  std::istringstream in{std::string(text)};
  std::vector<TrafficChunk> chunks;
  std::string line;
  size_t number = 0;
  auto fail = [&](const std::string& field, const std::string& why) {
    return TranscriptError(fmt::format("{}:{}: {}: {}", path.string(), number, field, why));
  };
  while (std::getline(in, line)) {
    ++number;
    if (number == 1 && line != kHeader) throw fail("header", fmt::format("expected '{}'", kHeader));
    if (line.empty() || line[0] == '#') continue;
    if (line[0] != '@') throw fail("time", "a chunk starts with '@' and the seconds since the link opened");
    TrafficChunk chunk{.line = number};
    const char* begin = line.data() + 1;
    const char* end = line.data() + line.size();
    auto [p, ec] = std::from_chars(begin, end, chunk.seconds);
    // from_chars takes "nan" and "inf" too: no time since the link opened.
    if (ec != std::errc() || !std::isfinite(chunk.seconds) || chunk.seconds < 0) {
      throw fail("time", "not a number of seconds");
    }
    if (end - p < 3 || p[0] != ' ' || (p[1] != '>' && p[1] != '<') || p[2] != ' ') {
      throw fail("direction", "expected ' > ' (to the device) or ' < ' (from it) after the time");
    }
    chunk.direction = p[1] == '>' ? TrafficChunk::Direction::kToDevice : TrafficChunk::Direction::kFromDevice;
    for (p += 3; p < end;) {
      if (*p == ' ') {
        ++p;
        continue;
      }
      const int hi = hex_digit(*p);
      const int lo = p + 1 < end ? hex_digit(p[1]) : -1;
      if (hi < 0 || lo < 0 || (p + 2 < end && p[2] != ' ')) {
        throw fail("bytes", fmt::format("'{}' is not a hex byte", std::string(p, std::min<size_t>(end - p, 3))));
      }
      chunk.bytes.push_back(static_cast<uint8_t>(hi << 4 | lo));
      p += 2;
    }
    if (chunk.bytes.empty()) throw fail("bytes", "a chunk holds at least one byte");
    chunks.push_back(std::move(chunk));
  }
  if (number == 0) throw TranscriptError(fmt::format("{}: empty, expected '{}'", path.string(), kHeader));
  return chunks;
}

RecordingLink::RecordingLink(std::unique_ptr<Link> inner, const std::filesystem::path& path)
    : inner_(std::move(inner)), out_(path) {
  if (!out_) throw std::runtime_error(fmt::format("{}: cannot write the traffic transcript", path.string()));
  out_ << kHeader << "\n# link: " << inner_->describe() << "\n" << std::flush;
}

void RecordingLink::record(TrafficChunk::Direction direction, std::span<const uint8_t> bytes) {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - opened_).count();
  out_ << fmt::format("@{:.3f} {} {:02x}\n", seconds, direction == TrafficChunk::Direction::kToDevice ? '>' : '<',
                      fmt::join(bytes, " "))
       << std::flush;
}

LinkRead RecordingLink::read(std::span<uint8_t> out, std::chrono::milliseconds timeout) {
  const LinkRead got = inner_->read(out, timeout);
  if (got.status == LinkRead::Status::kData) record(TrafficChunk::Direction::kFromDevice, out.first(got.bytes));
  return got;
}

bool RecordingLink::write(std::span<const uint8_t> data, std::chrono::milliseconds timeout) {
  record(TrafficChunk::Direction::kToDevice, data);
  return inner_->write(data, timeout);
}

}  // namespace shakedown::links

#include "shakedown/protocol/frame.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string_view>
#include <vector>

#include "cobs.h"
#include "crc32.h"

namespace {

using namespace shakedown::protocol;
using Bytes = std::vector<uint8_t>;

struct Received {
  uint8_t type = 0;
  uint16_t seq = 0;
  Bytes payload;
  bool operator==(const Received&) const = default;
};

Bytes encode(uint8_t type, uint16_t seq, std::span<const uint8_t> payload) {
  Bytes out(max_encoded_size(payload.size()));
  out.resize(encode_frame(type, seq, payload, out));
  REQUIRE(!out.empty());
  return out;
}

std::vector<Received> feed_all(FrameDecoder& decoder, std::span<const uint8_t> bytes) {
  std::vector<Received> frames;
  for (uint8_t byte : bytes) {
    if (decoder.feed(byte)) {
      const Frame& f = decoder.frame();
      frames.push_back({f.type, f.seq, Bytes(f.payload.begin(), f.payload.end())});
    }
  }
  return frames;
}

Bytes concat(std::initializer_list<std::span<const uint8_t>> parts) {
  Bytes all;
  for (auto part : parts) all.insert(all.end(), part.begin(), part.end());
  return all;
}

Bytes counting(size_t n) {  // 0x00..0xff repeated: a zero every 256 bytes
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i);
  return b;
}

// Deterministic, seedable, the same on every platform (splitmix64).
class Prng {
 public:
  explicit Prng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
  }
  uint8_t byte() { return static_cast<uint8_t>(next()); }

 private:
  uint64_t state_;
};

// The header, payload and CRC of a frame, COBS-encoded between delimiters,
// with the length field and CRC given: for frames the encoder cannot make.
Bytes wire_of_raw(uint8_t type, uint16_t seq, uint16_t length_field, std::span<const uint8_t> payload,
                  uint32_t crc_xor) {
  Bytes raw = {type, static_cast<uint8_t>(seq), static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(length_field),
               static_cast<uint8_t>(length_field >> 8)};
  raw.insert(raw.end(), payload.begin(), payload.end());
  const uint32_t crc = crc32(raw) ^ crc_xor;
  for (int i = 0; i < 4; ++i) raw.push_back(static_cast<uint8_t>(crc >> (8 * i)));
  Bytes wire(raw.size() + raw.size() / 254 + 3);
  CobsEncoder cobs(std::span<uint8_t>(wire).subspan(1, wire.size() - 2));
  cobs.put(raw);
  const size_t body = cobs.finish();
  wire[0] = 0;
  wire[body + 1] = 0;
  wire.resize(body + 2);
  return wire;
}

const Bytes kSample = [] {  // 300 bytes with zeros and runs: varied COBS blocks
  Bytes b = counting(300);
  std::fill(b.begin() + 20, b.begin() + 30, 0);
  return b;
}();

}  // namespace

TEST_CASE("the CRC is zlib's crc32") {
  constexpr std::string_view check = "123456789";
  CHECK(crc32(std::span(reinterpret_cast<const uint8_t*>(check.data()), check.size())) == 0xcbf43926u);
  CHECK(crc32({}) == 0);
}

TEST_CASE("a frame's wire bytes are delimiter, COBS of header, payload and CRC LE, delimiter") {
  const Bytes payload = {0x00, 0x41};
  // raw: 01 | 02 00 | 02 00 | 00 41 | crc32 = 0xdd01cc4c
  const Bytes expected = {0x00, 0x03, 0x01, 0x02, 0x02, 0x02, 0x01, 0x06, 0x41, 0x4c, 0xcc, 0x01, 0xdd, 0x00};
  CHECK(encode(0x01, 0x0002, payload) == expected);
}

TEST_CASE("a frame round-trips for COBS edge sizes and contents") {
  const size_t size = GENERATE(0u, 1u, 253u, 254u, 255u, 508u, 1024u);
  const auto content = GENERATE(as<std::string_view>{}, "counting", "all 0x00", "all 0xff", "254-byte runs");
  Bytes payload(size);
  for (size_t i = 0; i < size; ++i) {
    if (content == "counting") payload[i] = static_cast<uint8_t>(i);
    if (content == "all 0x00") payload[i] = 0x00;
    if (content == "all 0xff") payload[i] = 0xff;
    if (content == "254-byte runs") payload[i] = i % 255 == 254 ? 0 : static_cast<uint8_t>(1 + i % 255);
  }
  CAPTURE(size, content);

  const Bytes wire = encode(0x42, 0xbeef, payload);
  CHECK(wire.size() <= max_encoded_size(size));
  CHECK(wire.front() == 0);
  CHECK(wire.back() == 0);
  CHECK(std::count(wire.begin(), wire.end(), 0) == 2);

  FrameDecoder decoder;
  CHECK(feed_all(decoder, wire) == std::vector<Received>{{0x42, 0xbeef, payload}});
  CHECK(decoder.stats().frames == 1);
}

TEST_CASE("a final full COBS block is accepted without the empty block after it") {
  // length 250 < 256 puts a zero in the header; payload and CRC then make one
  // run of 254 non-zero bytes, which the encoder closes with an empty block.
  for (uint8_t fill = 1; fill != 0; ++fill) {
    const Bytes payload(250, fill);
    Bytes wire = encode(1, 0x0101, payload);
    if (std::count(wire.begin(), wire.end(), 0) != 2 || wire.size() != 263) continue;  // a zero in the CRC
    REQUIRE(wire[wire.size() - 2] == 0x01);
    wire.erase(wire.end() - 2);

    FrameDecoder decoder;
    CHECK(feed_all(decoder, wire) == std::vector<Received>{{1, 0x0101, payload}});
    return;
  }
  FAIL("no fill byte gives a CRC without zeros");
}

TEST_CASE("max_encoded_size bounds the encoded size of every payload length") {
  static_assert(kMaxEncodedFrame == 1040);
  for (size_t n = 0; n <= kMaxPayload; ++n) {
    const Bytes worst(n, 0xff);  // no zeros: the most COBS blocks
    CAPTURE(n);
    const Bytes wire = encode(0xff, 0xffff, worst);
    REQUIRE(wire.size() <= max_encoded_size(n));
    REQUIRE(wire.size() + 2 >= max_encoded_size(n));  // and not by much: only header zeros save bytes
  }
}

TEST_CASE("the encoder refuses a payload over kMaxPayload") {
  const Bytes payload(kMaxPayload + 1, 0x55);
  Bytes out(2 * kMaxEncodedFrame);
  CHECK(encode_frame(1, 1, payload, out) == 0);
}

TEST_CASE("the encoder refuses an output too small for the frame and writes nothing past it") {
  const Bytes needed_wire = encode(7, 9, kSample);
  const size_t room = GENERATE_COPY(range(size_t{0}, needed_wire.size()));
  Bytes buffer(needed_wire.size() + 8, 0xaa);
  CHECK(encode_frame(7, 9, kSample, std::span(buffer).first(room)) == 0);
  CHECK(std::all_of(buffer.begin() + static_cast<ptrdiff_t>(room), buffer.end(), [](uint8_t b) { return b == 0xaa; }));
  CHECK(encode_frame(7, 9, kSample, std::span(buffer).first(needed_wire.size())) == needed_wire.size());
}

TEST_CASE("stray text before a frame costs at most one malformed count, never the frame") {
  constexpr std::string_view banner = "U-Boot 2023.01 (Jan 01 2023)\r\nbooting agent...\r\nprintf: x=42";
  const Bytes text(banner.begin(), banner.end());
  const Bytes wire = encode(3, 1, kSample);

  FrameDecoder decoder;
  CHECK(feed_all(decoder, concat({text, wire})) == std::vector<Received>{{3, 1, kSample}});
  CHECK(decoder.stats().malformed + decoder.stats().bad_crc <= 1);
  CHECK(decoder.stats().frames == 1);
}

TEST_CASE("a truncated frame followed by a valid one: the valid one arrives, the truncated one is malformed") {
  const Bytes first = encode(1, 1, kSample);
  const Bytes second = encode(2, 2, kSample);
  // Keep the leading delimiter and at least one body byte; drop at least one.
  const size_t cut = GENERATE_COPY(range(size_t{2}, first.size() - 1));
  CAPTURE(cut);

  FrameDecoder decoder;
  CHECK(feed_all(decoder, concat({std::span(first).first(cut), second})) == std::vector<Received>{{2, 2, kSample}});
  CHECK(decoder.stats().malformed == 1);
  CHECK(decoder.stats().bad_crc == 0);
}

TEST_CASE("a single flipped bit never yields a frame with different content") {
  const Bytes wire = encode(5, 0x1234, kSample);
  const Received original{5, 0x1234, kSample};
  for (size_t bit = 0; bit < wire.size() * 8; ++bit) {
    Bytes damaged = wire;
    damaged[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    damaged.push_back(0);  // ends the frame even if the closing delimiter was hit
    CAPTURE(bit);

    FrameDecoder decoder;
    const auto frames = feed_all(decoder, damaged);
    const DecoderStats& stats = decoder.stats();
    REQUIRE(frames.size() <= 1);
    if (frames.empty()) {
      REQUIRE(stats.malformed + stats.bad_crc >= 1);
    } else {
      REQUIRE(frames[0] == original);
    }
  }
}

TEST_CASE("a frame with a wrong CRC is counted as bad_crc") {
  FrameDecoder decoder;
  CHECK(feed_all(decoder, wire_of_raw(1, 1, 3, Bytes{1, 2, 3}, 0x00000100)).empty());
  CHECK(decoder.stats().bad_crc == 1);
  CHECK(decoder.stats().malformed == 0);
}

TEST_CASE("a frame whose length field disagrees with its payload is malformed, even with a right CRC") {
  const uint16_t length_field = GENERATE(uint16_t{0}, uint16_t{2}, uint16_t{4}, uint16_t{0xffff});
  FrameDecoder decoder;
  CHECK(feed_all(decoder, wire_of_raw(1, 1, length_field, Bytes{1, 2, 3}, 0)).empty());
  CHECK(decoder.stats().malformed == 1);
  CHECK(decoder.stats().bad_crc == 0);
}

TEST_CASE("a frame shorter than header and trailer is malformed") {
  const Bytes wire = {0x00, 0x05, 0x01, 0x02, 0x03, 0x04, 0x00};
  FrameDecoder decoder;
  CHECK(feed_all(decoder, wire).empty());
  CHECK(decoder.stats().malformed == 1);
}

TEST_CASE("more than kMaxEncodedFrame bytes without a delimiter count as oversized, then decoding resumes") {
  const size_t flood = GENERATE(kMaxEncodedFrame + 1, 3 * kMaxEncodedFrame);
  const Bytes noise(flood, 0x01);
  const Bytes wire = encode(9, 9, kSample);

  FrameDecoder decoder;
  CHECK(feed_all(decoder, concat({noise, wire})) == std::vector<Received>{{9, 9, kSample}});
  CHECK(decoder.stats().oversized == 1);
  CHECK(decoder.stats().malformed == 0);
}

TEST_CASE("the largest frame fits the decoder") {
  const Bytes payload(kMaxPayload, 0xff);
  FrameDecoder decoder;
  CHECK(feed_all(decoder, encode(1, 2, payload)) == std::vector<Received>{{1, 2, payload}});
  CHECK(decoder.stats().oversized == 0);
}

TEST_CASE("a pseudo-random byte stream never crashes the decoder nor yields a frame failing its CRC") {
  Prng prng(0x5eed);
  Bytes stream(1 << 20);
  for (auto& b : stream) b = prng.byte();

  FrameDecoder decoder;
  size_t fed = 0;
  for (uint8_t byte : stream) {
    ++fed;
    if (!decoder.feed(byte)) continue;
    // Whatever is delivered must be exactly what the encoder makes of it,
    // i.e. the bytes just fed, CRC included.
    const Frame& f = decoder.frame();
    const Bytes again = encode(f.type, f.seq, f.payload);
    REQUIRE(fed >= again.size() - 1);
    REQUIRE(
        std::equal(again.begin() + 1, again.end(), stream.begin() + static_cast<ptrdiff_t>(fed - again.size() + 1)));
  }
  const DecoderStats& stats = decoder.stats();
  CHECK(stats.malformed + stats.bad_crc > 0);  // the noise was seen and counted
}

TEST_CASE("every frame survives random noise between frames") {
  Prng prng(42);
  Bytes stream;
  std::vector<Received> sent;
  for (uint16_t seq = 0; seq < 200; ++seq) {
    // Mostly short noise with zeros in it; every tenth gap a zero-free flood
    // longer than any frame, so the oversized path is taken too.
    const bool flood = seq % 10 == 0;
    const size_t noise = flood ? kMaxEncodedFrame + prng.next() % 2000 : prng.next() % 600;
    for (size_t i = 0; i < noise; ++i) stream.push_back(flood ? (prng.byte() | 1) : prng.byte());
    Bytes payload(prng.next() % (kMaxPayload + 1));
    for (auto& b : payload) b = prng.byte();
    const Bytes wire = encode(static_cast<uint8_t>(seq), seq, payload);
    stream.insert(stream.end(), wire.begin(), wire.end());
    sent.push_back({static_cast<uint8_t>(seq), seq, payload});
  }

  FrameDecoder decoder;
  CHECK(feed_all(decoder, stream) == sent);
  CHECK(decoder.stats().oversized == 20);
}

TEST_CASE("two frames back to back both arrive, in order") {
  const Bytes a = encode(1, 10, Bytes{0xaa});
  const Bytes b = encode(2, 11, Bytes{});
  FrameDecoder decoder;
  CHECK(feed_all(decoder, concat({a, b})) == std::vector<Received>{{1, 10, Bytes{0xaa}}, {2, 11, Bytes{}}});
  const DecoderStats& stats = decoder.stats();
  CHECK(stats.frames == 2);
  CHECK(stats.malformed + stats.bad_crc + stats.oversized == 0);
}

TEST_CASE("delimiters in a row are ignored silently") {
  FrameDecoder decoder;
  CHECK(feed_all(decoder, Bytes(10, 0x00)).empty());
  const DecoderStats& stats = decoder.stats();
  CHECK(stats.frames + stats.malformed + stats.bad_crc + stats.oversized == 0);
}

TEST_CASE("frame() holds the frame until the next feed") {
  const Bytes wire = encode(4, 4, kSample);
  FrameDecoder decoder;
  CHECK(feed_all(decoder, std::span(wire).first(wire.size() - 1)).empty());
  REQUIRE(decoder.feed(0));
  CHECK(decoder.frame().seq == 4);
  CHECK(std::equal(kSample.begin(), kSample.end(), decoder.frame().payload.begin(), decoder.frame().payload.end()));
  decoder.feed(0);
  CHECK(decoder.frame().payload.empty());
}

TEST_CASE("reset drops a partial frame and keeps the stats") {
  const Bytes wire = encode(6, 6, kSample);
  FrameDecoder decoder;
  feed_all(decoder, Bytes{'x', 0x00});  // one malformed
  feed_all(decoder, std::span(wire).first(wire.size() / 2));
  decoder.reset();
  CHECK(feed_all(decoder, wire) == std::vector<Received>{{6, 6, kSample}});
  CHECK(decoder.stats().malformed == 1);  // the dropped half was never counted
}

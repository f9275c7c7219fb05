#include "shakedown/protocol/tlv.h"

#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace {

using namespace shakedown::protocol;
using Bytes = std::vector<uint8_t>;

// Every kind of item once: a payload to cut, fill and walk.
Bytes sample_payload() {
  Bytes buffer(256);
  TlvWriter w(buffer);
  w.put_u8(1, 0x7f);
  w.put_u16(2, 0x1234);
  w.put_str(3, "hello");
  w.put_bytes(4, {});
  const std::array<uint16_t, 3> suites = {0xc02b, 0xc02c, 0x00ff};
  w.put_u16_list(5, suites);
  w.put_i64(6, -2);
  REQUIRE(w.ok());
  buffer.resize(w.size());
  return buffer;
}

}  // namespace

TEST_CASE("an item's wire bytes are tag, length LE, value LE") {
  std::array<uint8_t, 16> buffer{};
  TlvWriter w(buffer);
  REQUIRE(w.put_u32(0x21, 0x0a0b0c0d));
  REQUIRE(w.put_i32(0x22, -1));
  const Bytes expected = {0x21, 0x04, 0x00, 0x0d, 0x0c, 0x0b, 0x0a, 0x22, 0x04, 0x00, 0xff, 0xff, 0xff, 0xff};
  CHECK(Bytes(w.bytes().begin(), w.bytes().end()) == expected);
}

TEST_CASE("each integer type round-trips, extremes included") {
  std::array<uint8_t, 128> buffer{};
  TlvWriter w(buffer);
  REQUIRE(w.put_u8(1, 0xff));
  REQUIRE(w.put_u16(2, 0xfffe));
  REQUIRE(w.put_u32(3, 0xfffffffd));
  REQUIRE(w.put_u64(4, 0xfedcba9876543210));
  REQUIRE(w.put_i32(5, std::numeric_limits<int32_t>::min()));
  REQUIRE(w.put_i32(6, -1));
  REQUIRE(w.put_i64(7, std::numeric_limits<int64_t>::min()));
  REQUIRE(w.put_i64(8, std::numeric_limits<int64_t>::max()));

  TlvReader r(w.bytes());
  uint8_t u8 = 0;
  uint16_t u16 = 0;
  uint32_t u32 = 0;
  uint64_t u64 = 0;
  int32_t i32 = 0;
  int64_t i64 = 0;
  REQUIRE((r.next() && r.tag() == 1 && r.get_u8(u8)));
  CHECK(u8 == 0xff);
  REQUIRE((r.next() && r.tag() == 2 && r.get_u16(u16)));
  CHECK(u16 == 0xfffe);
  REQUIRE((r.next() && r.tag() == 3 && r.get_u32(u32)));
  CHECK(u32 == 0xfffffffd);
  REQUIRE((r.next() && r.tag() == 4 && r.get_u64(u64)));
  CHECK(u64 == 0xfedcba9876543210);
  REQUIRE((r.next() && r.tag() == 5 && r.get_i32(i32)));
  CHECK(i32 == std::numeric_limits<int32_t>::min());
  REQUIRE((r.next() && r.tag() == 6 && r.get_i32(i32)));
  CHECK(i32 == -1);
  REQUIRE((r.next() && r.tag() == 7 && r.get_i64(i64)));
  CHECK(i64 == std::numeric_limits<int64_t>::min());
  REQUIRE((r.next() && r.tag() == 8 && r.get_i64(i64)));
  CHECK(i64 == std::numeric_limits<int64_t>::max());
  CHECK_FALSE(r.next());
  CHECK(r.ok());
}

TEST_CASE("bytes and strings round-trip, empty ones included") {
  std::array<uint8_t, 64> buffer{};
  TlvWriter w(buffer);
  const Bytes blob = {0x00, 0x01, 0xff};
  REQUIRE(w.put_bytes(1, blob));
  REQUIRE(w.put_bytes(2, {}));
  REQUIRE(w.put_str(3, "gr\xc3\xbc\xc3\x9f"));
  REQUIRE(w.put_str(4, ""));

  TlvReader r(w.bytes());
  REQUIRE((r.next() && r.tag() == 1));
  CHECK(Bytes(r.value().begin(), r.value().end()) == blob);
  REQUIRE((r.next() && r.tag() == 2));
  CHECK(r.value().empty());
  REQUIRE((r.next() && r.tag() == 3));
  CHECK(r.get_str() == "gr\xc3\xbc\xc3\x9f");
  REQUIRE((r.next() && r.tag() == 4));
  CHECK(r.get_str().empty());
  CHECK_FALSE(r.next());
  CHECK(r.ok());
}

TEST_CASE("a u16 list round-trips, and a short output gets the count and the first items") {
  std::array<uint8_t, 64> buffer{};
  TlvWriter w(buffer);
  const std::array<uint16_t, 4> suites = {0xc02b, 0xc02c, 0x1301, 0x00ff};
  REQUIRE(w.put_u16_list(9, suites));
  REQUIRE(w.put_u16_list(10, {}));

  TlvReader r(w.bytes());
  REQUIRE(r.next());
  std::array<uint16_t, 8> all{};
  CHECK(r.get_u16_list(all) == 4);
  CHECK(std::equal(suites.begin(), suites.end(), all.begin()));
  std::array<uint16_t, 2> first{};
  CHECK(r.get_u16_list(first) == 4);
  CHECK(first == std::array<uint16_t, 2>{0xc02b, 0xc02c});
  REQUIRE(r.next());
  CHECK(r.get_u16_list(all) == 0);
}

TEST_CASE("a u16 list of odd length reads as no items") {
  const Bytes payload = {0x01, 0x03, 0x00, 0xaa, 0xbb, 0xcc};
  TlvReader r(payload);
  REQUIRE(r.next());
  std::array<uint16_t, 4> out = {7, 7, 7, 7};
  CHECK(r.get_u16_list(out) == 0);
  CHECK(out == std::array<uint16_t, 4>{7, 7, 7, 7});
}

TEST_CASE("a typed read of the wrong width returns false and leaves the output unchanged") {
  const size_t width = GENERATE(0u, 1u, 2u, 3u, 4u, 5u, 8u, 9u);
  CAPTURE(width);
  std::array<uint8_t, 16> buffer{};
  TlvWriter w(buffer);
  REQUIRE(w.put_bytes(1, Bytes(width, 0x80)));
  TlvReader r(w.bytes());
  REQUIRE(r.next());

  uint8_t u8 = 1;
  uint16_t u16 = 1;
  uint32_t u32 = 1;
  uint64_t u64 = 1;
  int32_t i32 = 1;
  int64_t i64 = 1;
  CHECK(r.get_u8(u8) == (width == 1));
  CHECK(r.get_u16(u16) == (width == 2));
  CHECK(r.get_u32(u32) == (width == 4));
  CHECK(r.get_i32(i32) == (width == 4));
  CHECK(r.get_u64(u64) == (width == 8));
  CHECK(r.get_i64(i64) == (width == 8));
  if (width != 1) CHECK(u8 == 1);
  if (width != 2) CHECK(u16 == 1);
  if (width != 4) CHECK(u32 == 1);
  if (width != 4) CHECK(i32 == 1);
  if (width != 8) CHECK(u64 == 1);
  if (width != 8) CHECK(i64 == 1);
}

TEST_CASE("a reader over truncated input stops with ok() false and never reads past the end") {
  const Bytes whole = sample_payload();
  // Where each item ends: cutting there leaves a well-formed, shorter payload.
  std::vector<size_t> boundaries = {0};
  for (TlvReader r(whole); r.next();) boundaries.push_back(boundaries.back() + 3 + r.value().size());

  const size_t cut = GENERATE_COPY(range(size_t{0}, whole.size()));
  CAPTURE(cut);
  const Bytes prefix(whole.begin(), whole.begin() + static_cast<ptrdiff_t>(cut));  // exactly sized, for ASan
  TlvReader r(prefix);
  size_t items = 0;
  while (r.next()) {
    ++items;
    CHECK(r.value().data() >= prefix.data());
    CHECK(r.value().data() + r.value().size() <= prefix.data() + prefix.size());
  }
  const bool on_boundary = std::find(boundaries.begin(), boundaries.end(), cut) != boundaries.end();
  CHECK(r.ok() == on_boundary);
  CHECK(r.tag() == 0);
  CHECK(r.value().empty());
  CHECK_FALSE(r.next());  // stays stopped
}

TEST_CASE("an item whose length runs past the input is malformed") {
  const Bytes payload = {0x01, 0x01, 0x00, 0xaa, 0x02, 0x10, 0x00, 0xbb};
  TlvReader r(payload);
  REQUIRE(r.next());
  CHECK_FALSE(r.next());
  CHECK_FALSE(r.ok());
}

TEST_CASE("a reader over an empty payload ends at once and stays ok") {
  TlvReader r({});
  CHECK_FALSE(r.next());
  CHECK(r.ok());
}

TEST_CASE("a writer out of room reports !ok(), keeps within its buffer, and fails every later put") {
  const Bytes whole = sample_payload();
  const size_t room = GENERATE_COPY(range(size_t{0}, whole.size()));
  CAPTURE(room);
  Bytes buffer(room + 4, 0xaa);
  TlvWriter w{std::span(buffer).first(room)};
  w.put_u8(1, 0x7f);
  w.put_u16(2, 0x1234);
  w.put_str(3, "hello");
  w.put_bytes(4, {});
  const std::array<uint16_t, 3> suites = {0xc02b, 0xc02c, 0x00ff};
  w.put_u16_list(5, suites);
  w.put_i64(6, -2);

  CHECK_FALSE(w.ok());
  CHECK(w.size() <= room);
  CHECK(std::equal(w.bytes().begin(), w.bytes().end(), whole.begin()));  // the items that fit, intact
  CHECK(std::all_of(buffer.begin() + static_cast<ptrdiff_t>(room), buffer.end(), [](uint8_t b) { return b == 0xaa; }));
  const size_t size = w.size();
  CHECK_FALSE(w.put_bytes(7, {}));
  CHECK_FALSE(w.put_str_truncated(7, "x", 1));
  CHECK(w.size() == size);
}

TEST_CASE("a value longer than the length field allows is refused") {
  Bytes buffer(70000);
  TlvWriter w(buffer);
  CHECK_FALSE(w.put_bytes(1, Bytes(kTlvMaxValue + 1, 0x11)));
  CHECK_FALSE(w.ok());
  CHECK(w.size() == 0);
}

TEST_CASE("put_str_truncated cuts to max and to the room left") {
  std::array<uint8_t, 15> buffer{};
  TlvWriter w(buffer);
  REQUIRE(w.put_str_truncated(1, "abcdef", 4));    // 7 bytes
  REQUIRE(w.put_str_truncated(2, "ghijkl", 100));  // 8 bytes left: 5 for the value
  CHECK(w.size() == buffer.size());
  CHECK(w.ok());

  TlvReader r(w.bytes());
  REQUIRE(r.next());
  CHECK(r.get_str() == "abcd");
  REQUIRE(r.next());
  CHECK(r.get_str() == "ghijk");
}

TEST_CASE("put_str_truncated never cuts inside a UTF-8 sequence") {
  const std::string line = "ab\xe2\x82\xac";  // "ab€": the euro sign is 3 bytes
  const size_t max = GENERATE(2u, 3u, 4u);
  std::array<uint8_t, 16> buffer{};
  TlvWriter w(buffer);
  REQUIRE(w.put_str_truncated(1, line, max));
  TlvReader r(w.bytes());
  REQUIRE(r.next());
  CHECK(r.get_str() == "ab");
}

TEST_CASE("put_str_truncated fails only when not even an empty item fits") {
  std::array<uint8_t, 3> buffer{};
  SECTION("three bytes: an empty string") {
    TlvWriter w(buffer);
    CHECK(w.put_str_truncated(1, "log line", 80));
    CHECK(w.ok());
    TlvReader r(w.bytes());
    REQUIRE(r.next());
    CHECK(r.get_str().empty());
  }
  SECTION("two bytes: nothing") {
    TlvWriter w{std::span(buffer).first(2)};
    CHECK_FALSE(w.put_str_truncated(1, "log line", 80));
    CHECK_FALSE(w.ok());
    CHECK(w.size() == 0);
  }
}

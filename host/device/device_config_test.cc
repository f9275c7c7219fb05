#include "device_config.h"

#include <catch2/catch.hpp>

#include <array>
#include <vector>

namespace {

using shakedown::device::DeviceConfig;
using shakedown::device::encode_configure;
namespace protocol = shakedown::protocol;

std::vector<uint8_t> encoded(const DeviceConfig& config) {
  std::array<uint8_t, 1024> buf{};
  protocol::TlvWriter w(buf);
  REQUIRE(encode_configure(config, w));
  return {w.bytes().begin(), w.bytes().end()};
}

}  // namespace

// The bytes are the wire format flashed boards and recorded transcripts
// speak: tag u8, length u16 LE, value LE, in tag order.
TEST_CASE("the defaults send auth mode, read timeout and debug level only") {
  CHECK(encoded({}) == std::vector<uint8_t>{0x05, 1, 0, 2,                 // auth_mode: required
                                            0x06, 4, 0, 0x88, 0x13, 0, 0,  // read_timeout_ms: 5000
                                            0x0b, 1, 0, 3});               // debug_level: 3
}

TEST_CASE("every option set is sent under its tag, in tag order") {
  DeviceConfig c{.hostname = "a.test",
                 .ciphersuites = {0xc02b, 0xc030},
                 .min_version = 0x0303,
                 .max_version = 0x0304,
                 .time = "1700000000",
                 .first_request = "hi",
                 .read_timeout_ms = 700,
                 .heap_budget = 40'000,
                 .auth_mode = 0,
                 .max_fragment_length = 1024,
                 .debug_level = 1};
  CHECK(encoded(c) == std::vector<uint8_t>{0x01, 6, 0, 'a',  '.',  't',  'e',  's', 't',        // hostname
                                           0x02, 4, 0, 0x2b, 0xc0, 0x30, 0xc0,                  // suites
                                           0x03, 2, 0, 0x03, 0x03,                              // min version
                                           0x04, 2, 0, 0x04, 0x03,                              // max version
                                           0x05, 1, 0, 0,                                       // auth_mode: none
                                           0x06, 4, 0, 0xbc, 0x02, 0,    0,                     // read_timeout_ms
                                           0x07, 2, 0, 0x00, 0x04,                              // max_fragment_length
                                           0x08, 8, 0, 0x00, 0xf1, 0x53, 0x65, 0,   0,   0, 0,  // wall time
                                           0x0a, 4, 0, 0x40, 0x9c, 0,    0,                     // heap_budget
                                           0x0b, 1, 0, 1,                                       // debug_level
                                           0x0c, 2, 0, 'h',  'i'});                             // first request
}

TEST_CASE("an unset clock is its own tag, after the read timeout and before the heap budget") {
  DeviceConfig c{.time = "unset", .heap_budget = 1};
  CHECK(encoded(c) == std::vector<uint8_t>{0x05, 1, 0, 2,                 // auth_mode
                                           0x06, 4, 0, 0x88, 0x13, 0, 0,  // read_timeout_ms
                                           0x09, 1, 0, 1,                 // the clock unset
                                           0x0a, 4, 0, 1,    0,    0, 0,  // heap_budget
                                           0x0b, 1, 0, 3});               // debug_level
}

TEST_CASE("a pre-shared key is sent as its identity at tag 13 and its key at tag 14, and without a key neither") {
  DeviceConfig c{.psk_identity = "dev", .psk_key = {0x01, 0xab}};
  CHECK(encoded(c) == std::vector<uint8_t>{0x05, 1, 0, 2,                   // auth_mode
                                           0x06, 4, 0, 0x88, 0x13, 0,   0,  // read_timeout_ms
                                           0x0b, 1, 0, 3,                   // debug_level
                                           0x0d, 3, 0, 'd',  'e',  'v',     // psk identity
                                           0x0e, 2, 0, 0x01, 0xab});        // psk key
  CHECK(encoded({.psk_identity = "dev"}) == encoded({}));
}

TEST_CASE("a scenario's configuration encodes as the QEMU image's recorded traffic has it") {
  // tests/data/serial/qemu-3.6-field-fixed.traffic: the kConfigure payload.
  const std::vector<uint8_t> recorded = {0x01, 0x14, 0x00, 'c',  'l',  'o',  'u',  'd',  '.',  's',  'h',  'a',  'k',
                                         'e',  'd',  'o',  'w',  'n',  '.',  't',  'e',  's',  't',  0x05, 0x01, 0x00,
                                         0x02, 0x06, 0x04, 0x00, 0x88, 0x13, 0x00, 0x00, 0x08, 0x08, 0x00, 0x4e, 0xd6,
                                         0x0c, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x01, 0x00, 0x03};
  CHECK(encoded({.hostname = "cloud.shakedown.test", .time = "1796003406"}) == recorded);
}

TEST_CASE("options that do not fit the buffer fail the encoding") {
  std::array<uint8_t, 8> small{};
  protocol::TlvWriter w(small);
  CHECK_FALSE(encode_configure({.hostname = "a-rather-long-host.name"}, w));
  CHECK_FALSE(w.ok());
}

TEST_CASE("every row of client_options.def owns its tags alone, and the tags run from 1 without gaps") {
  for (unsigned tag = 1; tag <= protocol::kLastConfigureTag; ++tag) {
    INFO(tag);
    CHECK(protocol::client_option_by_tag(static_cast<uint8_t>(tag)) != nullptr);
  }
  CHECK(protocol::client_option_by_tag(protocol::kLastConfigureTag + 1) == nullptr);
  CHECK(protocol::client_option_by_tag(9)->field == "time");
  CHECK(protocol::client_option_by_tag(4)->field == "versions");
}

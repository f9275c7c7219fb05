#include "client_hello.h"

#include <catch2/catch.hpp>
#include <vector>

namespace {

using shakedown::core::parse_client_hello_suites;

// A TLS 1.2 ClientHello record offering `suites`, with a session id of
// `session_id_len` bytes.
std::vector<uint8_t> client_hello(const std::vector<uint16_t>& suites, uint8_t session_id_len = 0) {
  std::vector<uint8_t> body = {0x03, 0x03};
  body.insert(body.end(), 32, 0xaa);  // random
  body.push_back(session_id_len);
  body.insert(body.end(), session_id_len, 0xbb);
  body.push_back(static_cast<uint8_t>(suites.size() * 2 >> 8));
  body.push_back(static_cast<uint8_t>(suites.size() * 2));
  for (auto s : suites) body.push_back(static_cast<uint8_t>(s >> 8)), body.push_back(static_cast<uint8_t>(s));
  body.insert(body.end(), {0x01, 0x00});  // compression: null
  std::vector<uint8_t> msg = {0x01, 0x00, static_cast<uint8_t>(body.size() >> 8), static_cast<uint8_t>(body.size())};
  msg.insert(msg.end(), body.begin(), body.end());
  std::vector<uint8_t> record = {0x16, 0x03, 0x01, static_cast<uint8_t>(msg.size() >> 8),
                                 static_cast<uint8_t>(msg.size())};
  record.insert(record.end(), msg.begin(), msg.end());
  return record;
}

}  // namespace

TEST_CASE("the suites of a ClientHello are read in order, signalling values included") {
  auto wire = client_hello({0xc02b, 0xc02c, 0x00ff}, 32);
  uint16_t out[8] = {};
  REQUIRE(parse_client_hello_suites(wire, out) == 3);
  CHECK(out[0] == 0xc02b);
  CHECK(out[1] == 0xc02c);
  CHECK(out[2] == 0x00ff);
}

TEST_CASE("more suites than the output holds: the count is the ClientHello's, the output is filled") {
  auto wire = client_hello({1, 2, 3, 4, 5});
  uint16_t out[2] = {};
  CHECK(parse_client_hello_suites(wire, out) == 5);
  CHECK(out[1] == 2);
}

TEST_CASE("anything but a complete-enough ClientHello record is refused") {
  uint16_t out[8] = {};
  auto wire = client_hello({0xc02b, 0xc02c});
  SECTION("truncated inside the suite list") {
    wire.resize(5 + 4 + 2 + 32 + 1 + 2 + 3);
    CHECK(parse_client_hello_suites(wire, out) == -1);
  }
  SECTION("an alert record") {
    wire[0] = 0x15;
    CHECK(parse_client_hello_suites(wire, out) == -1);
  }
  SECTION("a ServerHello") {
    wire[5] = 0x02;
    CHECK(parse_client_hello_suites(wire, out) == -1);
  }
  SECTION("an odd suite-list length") {
    wire[5 + 4 + 2 + 32 + 1 + 1] = 3;
    CHECK(parse_client_hello_suites(wire, out) == -1);
  }
  SECTION("nothing at all") {
    CHECK(parse_client_hello_suites({}, out) == -1);
  }
}

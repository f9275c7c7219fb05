#include "sim_target.h"

#include <catch2/catch.hpp>

using namespace shakedown::targets;
using Catch::Matchers::Contains;

TEST_CASE("a simulator report that is not what the host reads is refused, naming the field") {
  ClientReport report;
  BuildFacts build;
  CHECK_THROWS_WITH(parse_sim_output("garbage", report, build), Contains("not JSON"));
  CHECK_THROWS_WITH(parse_sim_output(R"({"report": {"stage": "done"}, "build": {}})", report, build),
                    Contains("report.result: missing"));
  CHECK_THROWS_WITH(parse_sim_output(R"({"report": {"stage": 3}, "build": {}})", report, build),
                    Contains("report.stage: wrong type"));
}

TEST_CASE("a simulator build that is not there is an infrastructure error") {
  SimTarget target("/nonexistent/libexec");
  CHECK_FALSE(target.has_build("3.6", "field-2x"));
  HandshakeRequest request{.mbedtls_line = "3.6", .profile = "field-2x", .server_port = 1};
  auto outcome = target.handshake(request);
  REQUIRE(outcome.infrastructure_error);
  CHECK_THAT(*outcome.infrastructure_error, Contains("did not start"));
}

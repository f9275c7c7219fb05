#pragma once
// A scenario is data: the server (its PKI and behaviour), the client, and
// what each cell of its matrix (Mbed TLS line x profile) is expected to do.
// The format is documented in docs/scenarios.md.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "findings.h"
#include "pki.h"
#include "test_server.h"

namespace shakedown::scenario {

struct Expectation {
  enum class Result { kPass, kFail };
  Result result = Result::kPass;
  std::optional<diagnosis::FindingId> finding;  // the primary finding
  std::optional<int32_t> error;        // the client's (negative) return code
  int line = 0;                        // where it was written, for messages
};

// One run of the scenario: a simulator/firmware build and what it should do.
struct Cell {
  std::string mbedtls_line;  // "2.28"
  std::string profile;       // "field-2x"
  Expectation expect;
  // Where a target really behaves otherwise (e.g. a heap budget between the
  // 32-bit and 64-bit peaks): its expectation, by target name.
  std::map<std::string, Expectation> on_target = {};

  const Expectation& expect_on(const std::string& target) const {
    auto it = on_target.find(target);
    return it == on_target.end() ? expect : it->second;
  }
};

struct ClientSpec {
  std::string hostname;
  bool send_sni = true;      // false: no SNI and no name check, as without mbedtls_ssl_set_hostname
  std::string time = "now";  // now, unset, or seconds since 1970
  uint32_t read_timeout_ms = 5'000;
  uint32_t heap_budget = 0;             // bytes of Mbed TLS heap; 0: the target's whole arena
  std::optional<uint16_t> min_version;  // 0x0303 for TLS 1.2; none: the build's default
  std::optional<uint16_t> max_version;
  std::vector<uint16_t> ciphersuites;  // a subset of the build's; empty: all of them
  uint8_t auth_mode = 2;               // 0 none, 1 optional, 2 required
  uint16_t max_fragment_length = 0;    // ask the server for records this small; 0: do not ask
  bool exchange = false;               // after the handshake, send a request and await the echo
};

struct Scenario {
  std::string name;  // <folder>/<file stem>, e.g. "field/01-suite-mismatch"
  std::filesystem::path file;
  std::string summary;
  servers::ChainSpec chain;
  servers::EndpointConfig server;  // chain pointers left null: set at run time
  // Which server plays the scenario: shakedown's own (with captures and
  // misbehaviours) or the stock `openssl s_server`, as a cross-check.
  enum class Peer { kShakedown, kOpensslSServer } peer = Peer::kShakedown;
  // Certificates by SNI: clients naming client.hostname get the pki chain;
  // others get the same chain issued for this name.
  std::optional<std::string> sni_default_hostname;
  ClientSpec client;
  std::vector<Cell> cells;

  // The chains its server needs: the pki chain, then (with
  // sni_default_hostname) the same chain issued for the default name.
  std::vector<servers::ChainSpec> chain_specs() const {
    std::vector<servers::ChainSpec> specs{chain};
    if (sni_default_hostname) {
      specs.push_back(chain);
      specs.back().hostname = *sni_default_hostname;
    }
    return specs;
  }
};

}  // namespace shakedown::scenario

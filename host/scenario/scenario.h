#pragma once
// A scenario is data: the server (its PKI and behaviour), the client, and
// what each cell of its matrix (Mbed TLS line x profile) is expected to do.
// The format is documented in docs/scenarios.md.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "device_config.h"
#include "findings.h"
#include "pki.h"
#include "test_server.h"

namespace shakedown::scenario {

// What a passing cell must have negotiated; a part unset is not pinned.
struct Negotiated {
  std::optional<uint16_t> version;    // wire id, 0x0303
  std::optional<uint16_t> suite;      // IANA id
  std::optional<uint16_t> group;      // key exchange group (named_group.h)
  std::optional<uint16_t> signature;  // the scheme the server signed with (signature_scheme.h)

  bool any() const { return version || suite || group || signature; }
};

struct Expectation {
  enum class Result { kPass, kFail };
  Result result = Result::kPass;
  std::optional<diagnosis::FindingId> finding;  // the primary finding
  std::optional<int32_t> error;                 // the client's (negative) return code
  int line = 0;                                 // where it was written, for messages
  Negotiated negotiated = {};                   // with a pass: what it must have negotiated
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

// What a scenario with `exchange: true` sends after the handshake; the test
// server echoes it.
inline constexpr std::string_view kFirstRequest = "shakedown: first request\n";

// The client section: the options as the device is configured with them
// (their rows: client_options.def), and the name the scenario's PKI is for.
struct ClientSpec {
  std::string hostname;  // the leaf's name; device.hostname is empty with `sni: false`
  device::DeviceConfig device;
  int ciphersuites_line = 0;  // where client.ciphersuites was written; 0: not written

  bool exchange() const { return !device.first_request.empty(); }
  // The most one cell's exchange with the device may take: a handful of
  // waits for the server, each up to the read timeout, and set-up time. The
  // test server waits for the client as long, so a server told to stay
  // silent outlasts the client's own timeout whatever it is.
  std::chrono::milliseconds exchange_bound() const {
    return std::chrono::milliseconds(device.read_timeout_ms) * 4 + std::chrono::seconds(10);
  }
};

struct Scenario {
  std::string name;  // <folder>/<file stem>, e.g. "field/01-suite-mismatch"
  std::filesystem::path file;
  std::string summary;
  servers::ChainSpec chain;
  servers::EndpointConfig server;  // chain pointers left null: set at run time
  // Which server plays the scenario: shakedown's own (with captures and
  // misbehaviours), the stock `openssl s_server` as a cross-check, or a
  // server the user names (`peer: external`), met as it is: no pki, and
  // only the device's side to read.
  enum class Peer { kShakedown, kOpensslSServer, kExternal } peer = Peer::kShakedown;
  struct ExternalServer {
    std::string host;  // a name or an IPv4 address
    uint16_t port = 0;
    std::filesystem::path trust;  // the device's trusted CAs (PEM or DER); empty: it trusts none
  };
  ExternalServer external;  // with Peer::kExternal
  // Certificates by SNI: clients naming client.hostname get the pki chain;
  // others get the same chain issued for this name.
  std::optional<std::string> sni_default_hostname;
  ClientSpec client;
  std::vector<Cell> cells;

  // The chains its server needs: the pki chain, then (with
  // sni_default_hostname) the same chain issued for the default name.
  std::vector<servers::ChainSpec> chain_specs() const {
    if (peer == Peer::kExternal) return {};
    std::vector<servers::ChainSpec> specs{chain};
    if (sni_default_hostname) {
      specs.push_back(chain);
      specs.back().hostname = *sni_default_hostname;
    }
    return specs;
  }
};

}  // namespace shakedown::scenario

#include "replica.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "scenario_loader.h"

namespace {

using shakedown::probe::ProbeResult;
using shakedown::probe::Refusal;
using Kind = Refusal::Kind;

// A server of TLS 1.2 and 1.3 that sends a leaf and an intermediate, its
// root unsent; each case changes what it needs.
ProbeResult server() {
  ProbeResult r;
  r.server = "127.0.0.1:4433";
  r.reachable = true;
  r.versions = {{"TLSv1", false, {Kind::kAlert, 70, ""}, {}, std::nullopt},
                {"TLSv1.1", false, {Kind::kAlert, 70, ""}, {}, std::nullopt},
                {"TLSv1.2", true, {}, {0xc02f}, std::nullopt},
                {"TLSv1.3", true, {}, {0x1301}, std::nullopt}};
  r.suite_refusal = {Kind::kAlert, 40, ""};
  r.chain = {
      {"CN=localhost", "CN=Issuing CA", "rsaEncryption 2048", "sha256WithRSAEncryption", "", 1, 30, {"localhost"}},
      {"CN=Issuing CA", "CN=Root CA", "rsaEncryption 2048", "sha256WithRSAEncryption", "", 1, 300, {}}};
  return r;
}

std::string replica(const ProbeResult& r) {
  return shakedown::probe::replica_scenario(r, {.hostname = "localhost", .profiles = {"default-16k"}});
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The scenario loader takes what the probe writes.
void loads(const std::string& yaml, const std::string& name) {
  const auto file = std::filesystem::temp_directory_path() / ("shakedown-replica-test-" + std::to_string(::getpid())) /
                    (name + ".yaml");
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << yaml;
  CHECK_NOTHROW(shakedown::scenario::load_scenario(file));
}

}  // namespace

TEST_CASE("a version refused with another alert than protocol_version is refused so in the replica") {
  ProbeResult r = server();
  r.versions.erase(r.versions.begin() + 2);  // TLS 1.3 only ...
  r.versions.insert(r.versions.begin() + 2, {"TLSv1.2", false, {Kind::kAlert, 40, ""}, {}, std::nullopt});
  const std::string yaml = replica(r);  // ... refusing TLS 1.2 with handshake_failure, as gnutls-serv does
  CHECK(has(yaml, "  versions: [tls1.3]\n"));
  CHECK(has(yaml, "  version_refusal_alert: 40\n"));
  loads(yaml, "alert-40");

  r.versions[2].refusal.alert = 70;  // OpenSSL's own: nothing to say
  CHECK_FALSE(has(replica(r), "version_refusal_alert"));
  CHECK_FALSE(has(replica(r), "is refused with"));
}

TEST_CASE("a version refused as the server refuses a suite needs no note, and another refusal is noted") {
  ProbeResult r = server();
  r.suite_refusal = {Kind::kReset, -1, ""};
  r.versions[1].refusal = {Kind::kReset, -1, ""};
  CHECK(has(replica(r), "  on_handshake_failure: reset\n"));
  CHECK_FALSE(has(replica(r), "is refused with"));
  r.versions[1].refusal = {Kind::kClose, -1, ""};
  CHECK(
      has(replica(r), "# TLSv1.1 is refused with a close without an alert; the replica refuses it with a TCP reset\n"));
}

TEST_CASE("a chain the user's CA file does not anchor stays unanchored in the replica") {
  ProbeResult r = server();
  r.anchored = false;
  r.unanchored_because = "unable to get local issuer certificate";
  const std::string yaml = replica(r);
  // pki[0] is the device's own root; the chain's root is pki[1], self-signed, and unsent as before.
  CHECK(
      has(yaml, "pki:\n  - {key: rsa-2048, cn: \"Device Trusted Root\"}\n  - {key: rsa-2048, hash: sha256, issuer: 1"));
  CHECK(has(yaml, "  send: [3, 2]\n"));
  CHECK(has(yaml, "does not anchor the server's chain (unable to get local issuer certificate)"));
  loads(yaml, "unanchored");

  r.anchored = true;
  CHECK_FALSE(has(replica(r), "Device Trusted Root"));
  CHECK(has(replica(r), "  send: [2, 1]\n"));
  r.anchored.reset();
  CHECK(has(replica(r), "# the device trusts the chain's root: no CA file was checked against the real chain"));
}

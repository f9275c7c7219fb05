// SServerPeer against a real client, `openssl s_client` (its stdin is
// /dev/null, so it sends close_notify and exits once the handshake is done):
// suites, versions, the chain it sends, client certificates, what it cannot
// play, and that stop() leaves no process behind.

#include <openssl/pem.h>
#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "pki.h"
#include "s_server_peer.h"
#include "subprocess.h"

namespace {

using namespace shakedown::servers;
using shakedown::process::ProcessResult;
using shakedown::process::run_process;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

// A directory of its own per test case, removed afterwards.
class WorkDir {
 public:
  explicit WorkDir(const std::string& name)
      : path_(fs::temp_directory_path() / fmt::format("s_server_peer_test-{}-{}", ::getpid(), name)) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~WorkDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

Chain ec_chain(const std::string& hostname, size_t length) {
  ChainSpec spec;
  spec.hostname = hostname;
  for (size_t i = 0; i < length; ++i) spec.certs.push_back(CertSpec{.key = *KeySpec::parse("ec-p256")});
  return issue_chain(spec, SHAKEDOWN_TEST_PKI_CACHE);
}

fs::path write_pem(const fs::path& path, const std::string& pem) {
  std::ofstream(path) << pem;
  return path;
}

fs::path write_key(const fs::path& path, EVP_PKEY* key) {
  BioPtr bio(BIO_new_file(path.c_str(), "w"));
  REQUIRE(bio);
  REQUIRE(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1);
  return path;
}

ProcessResult s_client(const SServerPeer& peer, const std::vector<std::string>& options) {
  std::vector<std::string> argv = {"/usr/bin/openssl", "s_client", "-connect",
                                   fmt::format("127.0.0.1:{}", peer.port())};
  argv.insert(argv.end(), options.begin(), options.end());
  return run_process(argv, 10s);
}

std::string describe(const ProcessResult& r, const SServerPeer& peer) {
  return fmt::format("s_client: {}\n{}{}\ns_server: {}\n{}", r.describe(), r.out, r.err, peer.command_line(),
                     peer.log());
}

// The chains' leaves are for servers (extendedKeyUsage serverAuth), so the
// client's certificate is made here, by the openssl command, signed by the
// client chain's root.
std::pair<fs::path, fs::path> client_certificate(const Chain& ca, const fs::path& dir) {
  const fs::path ca_cert = write_pem(dir / "client-root.pem", ca.root().pem);
  const fs::path ca_key = write_key(dir / "client-root-key.pem", ca.root().key.get());
  const fs::path config = write_pem(dir / "client-cert.cnf",
                                    "[req]\ndistinguished_name = dn\n[dn]\n"
                                    "[ext]\nbasicConstraints = critical,CA:FALSE\nextendedKeyUsage = clientAuth\n");
  const fs::path cert = dir / "client-auth.pem", key = dir / "client-auth-key.pem";
  auto r = run_process({"/usr/bin/openssl",
                        "req",
                        "-x509",
                        "-config",
                        config.string(),
                        "-extensions",
                        "ext",
                        "-newkey",
                        "ec",
                        "-pkeyopt",
                        "ec_paramgen_curve:P-256",
                        "-nodes",
                        "-keyout",
                        key.string(),
                        "-out",
                        cert.string(),
                        "-subj",
                        "/CN=device.shakedown.test",
                        "-days",
                        "1",
                        "-CA",
                        ca_cert.string(),
                        "-CAkey",
                        ca_key.string()},
                       10s);
  INFO(r.describe() << "\n" << r.err);
  REQUIRE(r.exited_cleanly());
  return {cert, key};
}

constexpr const char* kSuite = "ECDHE-ECDSA-AES128-GCM-SHA256";
constexpr const char* kOtherSuite = "ECDHE-ECDSA-AES256-GCM-SHA384";

}  // namespace

TEST_CASE("a TLS 1.2 endpoint with one suite negotiates it, sends a chain that verifies, and refuses others") {
  WorkDir dir("one-suite");
  const Chain chain = ec_chain("peer.shakedown.test", 3);
  const fs::path root = write_pem(dir / "root.pem", chain.root().pem);
  EndpointConfig config;
  config.chain = &chain;
  config.min_version = config.max_version = "tls1.2";
  config.ciphersuites = {kSuite};
  SServerPeer peer(config, dir / "peer");
  INFO(peer.command_line());

  SECTION("with that suite") {
    auto r = s_client(peer, {"-cipher", kSuite, "-CAfile", root.string(), "-verify_return_error", "-showcerts"});
    INFO(describe(r, peer));
    CHECK(r.exited_cleanly());
    CHECK_THAT(r.out, Catch::Matchers::Contains(fmt::format("New, TLSv1.2, Cipher is {}", kSuite)));
    CHECK_THAT(r.out, Catch::Matchers::Contains("Verify return code: 0 (ok)"));
    CHECK_THAT(r.out, Catch::Matchers::Contains(" 1 s:"));  // the intermediate came along
  }
  SECTION("with another suite") {
    auto r = s_client(peer, {"-cipher", kOtherSuite, "-tls1_2", "-CAfile", root.string()});
    INFO(describe(r, peer));
    CHECK_FALSE(r.exited_cleanly());
    CHECK(peer.wait_for_log("no shared cipher", 5s));
  }
}

TEST_CASE("a leaf-only `send` sends the leaf alone, though s_server's trust store could complete the chain") {
  WorkDir dir("leaf-only");
  const Chain chain = ec_chain("peer.shakedown.test", 2);
  const fs::path root = write_pem(dir / "root.pem", chain.root().pem);
  EndpointConfig config;
  config.chain = &chain;
  config.send = {1};
  // Puts the root into s_server's store: OpenSSL would append it to a
  // leaf sent alone, were it not told otherwise.
  config.client_auth = ClientAuth::kRequest;
  config.client_ca = &chain;
  SServerPeer peer(config, dir / "peer");

  auto r = s_client(peer, {"-CAfile", root.string(), "-showcerts"});
  INFO(describe(r, peer));
  CHECK(r.exited_cleanly());
  CHECK_THAT(r.out, Catch::Matchers::Contains(" 0 s:"));
  CHECK_THAT(r.out, !Catch::Matchers::Contains(" 1 s:"));
}

TEST_CASE("a TLS 1.3-only endpoint refuses TLS 1.2") {
  WorkDir dir("tls13-only");
  const Chain chain = ec_chain("peer.shakedown.test", 2);
  EndpointConfig config;
  config.chain = &chain;
  config.min_version = config.max_version = "tls1.3";
  SServerPeer peer(config, dir / "peer");

  auto refused = s_client(peer, {"-tls1_2"});
  INFO(describe(refused, peer));
  CHECK_FALSE(refused.exited_cleanly());
  CHECK(peer.wait_for_log("unsupported protocol", 5s));

  auto accepted = s_client(peer, {"-tls1_3"});
  INFO(describe(accepted, peer));
  CHECK(accepted.exited_cleanly());
  CHECK_THAT(accepted.out, Catch::Matchers::Contains("New, TLSv1.3"));
}

TEST_CASE("client_auth kRequire: no certificate or a server-only one fails, a clientAuth one completes") {
  WorkDir dir("client-auth");
  const Chain chain = ec_chain("peer.shakedown.test", 2);
  const Chain client = ec_chain("device.shakedown.test", 2);
  EndpointConfig config;
  config.chain = &chain;
  // TLS 1.2: in TLS 1.3 the client's handshake is done before the server
  // judges its (missing) certificate, and s_client exits 0.
  config.max_version = "tls1.2";
  config.client_auth = ClientAuth::kRequire;
  config.client_ca = &client;
  SServerPeer peer(config, dir / "peer");

  SECTION("without a certificate") {
    auto r = s_client(peer, {});
    INFO(describe(r, peer));
    CHECK_FALSE(r.exited_cleanly());
    CHECK(peer.wait_for_log("peer did not return a certificate", 5s));
  }
  SECTION("with a chain leaf, whose extendedKeyUsage is serverAuth only") {
    const fs::path cert = write_pem(dir / "client.pem", client.leaf().pem);
    const fs::path key = write_key(dir / "client-key.pem", client.leaf().key.get());
    auto r = s_client(peer, {"-cert", cert.string(), "-key", key.string()});
    INFO(describe(r, peer));
    CHECK_FALSE(r.exited_cleanly());
    CHECK(peer.wait_for_log("unsuitable certificate purpose", 5s));
  }
  SECTION("with a clientAuth certificate issued by client_ca's root") {
    const auto [cert, key] = client_certificate(client, dir.path());
    auto r = s_client(peer, {"-cert", cert.string(), "-key", key.string()});
    INFO(describe(r, peer));
    CHECK(r.exited_cleanly());
    CHECK_THAT(r.out, Catch::Matchers::Contains("New, TLSv1.2"));
  }
}

TEST_CASE("unsupported() names the first field s_server cannot play, and the constructor refuses it") {
  const Chain chain = ec_chain("peer.shakedown.test", 2);
  EndpointConfig plain;
  plain.chain = &chain;
  plain.record_size = 1024;  // -max_send_frag
  plain.session_tickets = false;
  CHECK(SServerPeer::unsupported(plain).empty());

  EndpointConfig misbehaving = plain;
  misbehaving.after_client_hello = AfterClientHello::kReset;
  misbehaving.dribble_bytes = 1;
  CHECK_THAT(SServerPeer::unsupported(misbehaving), Catch::Matchers::StartsWith("after_client_hello"));

  EndpointConfig small_records = plain;
  small_records.record_size = 256;
  CHECK_THAT(SServerPeer::unsupported(small_records), Catch::Matchers::StartsWith("record_size"));

  WorkDir dir("unsupported");
  CHECK_THROWS_WITH(SServerPeer(misbehaving, dir / "peer"), Catch::Matchers::Contains("after_client_hello"));
}

TEST_CASE("a config s_server refuses fails at start with s_server's own words") {
  WorkDir dir("refused");
  const Chain chain = ec_chain("peer.shakedown.test", 2);
  EndpointConfig config;
  config.chain = &chain;
  config.groups = "no-such-group";
  CHECK_THROWS_WITH(SServerPeer(config, dir / "peer"),
                    Catch::Matchers::Contains("s_server exited") && Catch::Matchers::Contains("no-such-group"));
}

TEST_CASE("stop() kills and reaps s_server, and may be called again") {
  WorkDir dir("stop");
  const Chain chain = ec_chain("peer.shakedown.test", 2);
  EndpointConfig config;
  config.chain = &chain;
  SServerPeer peer(config, dir / "peer");
  const pid_t pid = peer.pid();
  REQUIRE(pid > 0);
  CHECK(peer.running());
  CHECK(::kill(pid, 0) == 0);

  peer.stop();
  errno = 0;
  CHECK(::kill(pid, 0) == -1);
  CHECK(errno == ESRCH);  // not even a zombie: reaped
  CHECK_FALSE(peer.running());
  peer.stop();
  CHECK_THAT(peer.log(), Catch::Matchers::Contains("ACCEPT 127.0.0.1:"));
}

TEST_CASE("with max_connections, s_server exits after serving that many") {
  WorkDir dir("naccept");
  const Chain chain = ec_chain("peer.shakedown.test", 2);
  EndpointConfig config;
  config.chain = &chain;
  SServerPeer peer(config, dir / "peer", 1);
  CHECK_THAT(peer.command_line(), Catch::Matchers::Contains("-naccept 1"));

  auto r = s_client(peer, {});
  INFO(describe(r, peer));
  CHECK(r.exited_cleanly());
  CHECK(peer.wait_for_exit(5s));
  CHECK_FALSE(peer.running());
  CHECK_THAT(peer.log(), Catch::Matchers::Contains("1 server accepts that finished"));
}

TEST_CASE("a pre-shared key: s_server negotiates a PSK suite with a client holding the key, not with another key") {
  WorkDir dir("psk");
  const Chain chain = ec_chain("peer.shakedown.test", 2);
  EndpointConfig config;
  config.chain = &chain;
  config.min_version = config.max_version = "tls1.2";
  config.ciphersuites = {"PSK-AES128-GCM-SHA256"};
  config.psk = PreSharedKey{"device-1", {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}};
  SServerPeer peer(config, dir / "peer");
  INFO(peer.command_line());

  auto r =
      s_client(peer, {"-psk", "0123456789abcdef", "-psk_identity", "device-1", "-cipher", "PSK-AES128-GCM-SHA256"});
  INFO(describe(r, peer));
  CHECK(r.exited_cleanly());
  CHECK_THAT(r.out, Catch::Matchers::Contains("New, TLSv1.2, Cipher is PSK-AES128-GCM-SHA256"));

  auto wrong =
      s_client(peer, {"-psk", "fedcba9876543210", "-psk_identity", "device-1", "-cipher", "PSK-AES128-GCM-SHA256"});
  INFO(describe(wrong, peer));
  CHECK_FALSE(wrong.exited_cleanly());
}

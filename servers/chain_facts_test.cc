// What an issued chain looks like to the diagnosis: each certificate's facts,
// the same whether the chain was just generated or loaded from the cache.

#include "chain_facts.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <ctime>

namespace shakedown::servers {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string name = (fs::temp_directory_path() / "chain_facts_test-XXXXXX").string();
    REQUIRE(::mkdtemp(name.data()) != nullptr);
    path = name;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

CertSpec cert(const char* key, const char* hash) {
  return {*KeySpec::parse(key), hash, 0};
}

// A root, an intermediate with a path length, and a leaf with extra names.
ChainSpec three_certs() {
  CertSpec root = cert("rsa-2048", "sha384");
  CertSpec intermediate = cert("ec-p384", "sha1");
  intermediate.path_length = 0;
  CertSpec leaf = cert("ec-p256", "sha256");
  leaf.sans = {"DNS:a.facts.test", "IP:192.0.2.7"};
  leaf.extra_sans = 1;
  leaf.not_after_days = 30;
  return {{root, intermediate, leaf}, "facts.test"};
}

std::string date_in_days(std::time_t now, int days) {
  const std::time_t then = now + days * 86400L;
  struct tm t {};
  gmtime_r(&then, &t);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &t);
  return buf;
}

void check_facts(const Chain& chain, std::time_t issued_at) {
  const std::vector<CertFacts> facts = describe_chain(chain);
  REQUIRE(facts.size() == 3);
  const CertFacts& root = facts[0];
  const CertFacts& intermediate = facts[1];
  const CertFacts& leaf = facts[2];

  CHECK(root.role == "root");
  CHECK(intermediate.role == "intermediate 1");
  CHECK(leaf.role == "leaf");

  CHECK(root.key_type == "RSA");
  CHECK(root.key_bits == 2048);
  CHECK(intermediate.key_type == "EC");
  CHECK(intermediate.key_bits == 384);
  CHECK(leaf.key_bits == 256);

  // Each certificate is signed by its issuer's key with its own spec's hash.
  CHECK(root.signature_algorithm == "sha384WithRSAEncryption");
  CHECK(intermediate.signature_algorithm == "sha1WithRSAEncryption");
  CHECK(leaf.signature_algorithm == "ecdsa-with-SHA256");
  CHECK(root.signature_hash == "sha384");
  CHECK(intermediate.signature_hash == "sha1");
  CHECK(leaf.signature_hash == "sha256");

  CHECK(leaf.subject == "/O=shakedown/CN=facts.test");
  CHECK(leaf.dns_names == std::vector<std::string>{"a.facts.test", "padding-0.facts.test"});
  CHECK(root.dns_names.empty());
  CHECK(intermediate.path_length == 0);
  CHECK_FALSE(root.path_length);
  CHECK_FALSE(leaf.path_length);
  CHECK(leaf.not_after.starts_with(date_in_days(issued_at, 30)));
  CHECK(leaf.not_after.ends_with(" UTC"));
  for (size_t i = 0; i < facts.size(); ++i) CHECK(facts[i].der_size == chain.certs[i].der_size);
  CHECK(leaf.der_size > 300);
}

}  // namespace

TEST_CASE("chain facts describe each certificate as issued, generated or loaded from the cache") {
  TempDir cache;
  const std::time_t now = std::time(nullptr);
  SECTION("generated") {
    check_facts(issue_chain_at(three_certs(), cache.path, now), now);
  }
  SECTION("loaded") {
    (void)issue_chain_at(three_certs(), cache.path, now);
    const uint64_t loaded_before = pki_counters().chains_loaded;
    check_facts(issue_chain_at(three_certs(), cache.path, now), now);
    CHECK(pki_counters().chains_loaded == loaded_before + 1);
  }
  SECTION("shared by issue_chains") {
    const std::vector<Chain> chains = issue_chains({three_certs(), three_certs()}, cache.path);
    check_facts(chains[1], now);
  }
}

}  // namespace shakedown::servers

// PKI: chains from specs (keys, hashes, names, validity, issuers, shared
// keys), the key pool, the cache and concurrent issuers.

#include "pki.h"
#include "chain_facts.h"

#include <arpa/inet.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <latch>
#include <thread>

namespace shakedown::servers {
namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

const std::string kHost = "pki.shakedown.test";

struct TempDir {
  fs::path path;
  TempDir() {
    std::string name = (fs::temp_directory_path() / "pki_test-XXXXXX").string();
    REQUIRE(::mkdtemp(name.data()) != nullptr);
    path = name;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// This process's own cache, for tests that do not look at the cache itself:
// nothing in it was made by another run or another generator.
const fs::path& own_cache() {
  static const TempDir dir;
  return dir.path;
}

CertSpec cert(const char* key, const char* hash = "sha256") {
  return {*KeySpec::parse(key), hash, 0};
}

ChainSpec chain_of(std::vector<CertSpec> certs) {
  return {std::move(certs), kHost};
}

std::string der(const IssuedCert& c) {
  unsigned char* data = nullptr;
  int len = i2d_X509(c.cert.get(), &data);
  std::string out(reinterpret_cast<char*>(data), static_cast<size_t>(len));
  OPENSSL_free(data);
  return out;
}

std::string all_der(const Chain& chain) {
  std::string out;
  for (const auto& c : chain.certs) out += der(c);
  return out;
}

bool same_key(const IssuedCert& a, const IssuedCert& b) {
  return EVP_PKEY_eq(X509_get0_pubkey(a.cert.get()), X509_get0_pubkey(b.cert.get())) == 1;
}

// X509_V_OK or the error verifying `target` against `trusted` with `untrusted`
// (default: the root trusted, intermediates untrusted, the leaf verified).
int verify(const Chain& chain, std::vector<size_t> trusted = {0}, std::optional<std::vector<size_t>> untrusted = {},
           std::optional<size_t> target = {}) {
  if (!untrusted) {
    untrusted.emplace();
    for (size_t i = 1; i + 1 < chain.certs.size(); ++i) untrusted->push_back(i);
  }
  X509_STORE* store = X509_STORE_new();
  for (size_t t : trusted) X509_STORE_add_cert(store, chain.certs[t].cert.get());
  STACK_OF(X509)* others = sk_X509_new_null();
  for (size_t u : *untrusted) sk_X509_push(others, chain.certs[u].cert.get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, chain.certs[target.value_or(chain.certs.size() - 1)].cert.get(), others);
  const int ok = X509_verify_cert(ctx);
  const int error = X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  sk_X509_free(others);
  X509_STORE_free(store);
  return ok == 1 ? X509_V_OK : error;
}

// Signed `time` minus `now`, in seconds.
long seconds_after(const ASN1_TIME* time, std::time_t now) {
  ASN1_TIME* reference = ASN1_TIME_set(nullptr, now);
  int days = 0, seconds = 0;
  REQUIRE(ASN1_TIME_diff(&days, &seconds, reference, time) == 1);
  ASN1_TIME_free(reference);
  return days * 86400L + seconds;
}

std::vector<std::string> sans_of(const IssuedCert& c) {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(c.cert.get(), NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS) {
      out.push_back("DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName)),
                                         static_cast<size_t>(ASN1_STRING_length(name->d.dNSName))));
    } else if (name->type == GEN_IPADD) {
      const int len = ASN1_STRING_length(name->d.iPAddress);
      char text[INET6_ADDRSTRLEN] = {};
      ::inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(name->d.iPAddress), text, sizeof text);
      out.push_back(std::string("IP:") + text);
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

std::string common_name(const IssuedCert& c) {
  char buf[256] = {};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(c.cert.get()), NID_commonName, buf, sizeof buf) < 0) return "";
  return buf;
}

TEST_CASE("each key spec makes a key of its type and size") {
  auto [key, type, bits] = GENERATE(table<const char*, const char*, int>({
      {"rsa-1024", "RSA", 1024},
      {"rsa-2048", "RSA", 2048},
      {"rsa-3072", "RSA", 3072},
      {"rsa-4096", "RSA", 4096},
      {"rsa-8192", "RSA", 8192},
      {"ec-p256", "EC", 256},
      {"ec-p384", "EC", 384},
      {"ec-p521", "EC", 521},
      {"ed25519", "ED25519", 256},
  }));
  CAPTURE(key);
  REQUIRE(KeySpec::parse(key)->name() == key);
  Chain chain = issue_chain(chain_of({cert("ec-p256"), cert(key)}), own_cache());
  const CertFacts leaf = describe_chain(chain).back();
  CHECK(leaf.key_type == type);
  CHECK(leaf.key_bits == bits);
  CHECK(EVP_PKEY_eq(X509_get0_pubkey(chain.leaf().cert.get()), chain.leaf().key.get()) == 1);
  CHECK(verify(chain) == X509_V_OK);
}

TEST_CASE("KeySpec rejects what it does not know") {
  for (const char* text : {"ed448", "ec-p224", "rsa-256", "rsa-2048x", "dsa-2048", ""}) {
    CAPTURE(text);
    CHECK_FALSE(KeySpec::parse(text));
  }
}

TEST_CASE("certificates are signed with the hash asked for") {
  auto [signer, hash, nid] = GENERATE(table<const char*, const char*, int>({
      {"rsa-2048", "sha1", NID_sha1WithRSAEncryption},
      {"rsa-2048", "sha256", NID_sha256WithRSAEncryption},
      {"rsa-2048", "sha384", NID_sha384WithRSAEncryption},
      {"rsa-2048", "sha512", NID_sha512WithRSAEncryption},
      {"ec-p384", "sha1", NID_ecdsa_with_SHA1},
      {"ec-p384", "sha256", NID_ecdsa_with_SHA256},
      {"ec-p384", "sha512", NID_ecdsa_with_SHA512},
      {"ed25519", "sha256", NID_ED25519},  // Ed25519 has its own hash
  }));
  CAPTURE(signer, hash);
  Chain chain = issue_chain(chain_of({cert(signer, hash), cert("ec-p256", hash)}), own_cache());
  CHECK(X509_get_signature_nid(chain.root().cert.get()) == nid);
  CHECK(X509_get_signature_nid(chain.leaf().cert.get()) == nid);
}

TEST_CASE("names: the leaf is named after the hostname unless told otherwise") {
  SECTION("defaults") {
    Chain chain = issue_chain(chain_of({cert("ec-p256"), cert("ec-p256"), cert("ec-p256")}), own_cache());
    CHECK(common_name(chain.leaf()) == kHost);
    CHECK(sans_of(chain.leaf()) == std::vector<std::string>{"DNS:" + kHost});
    CHECK(X509_check_host(chain.leaf().cert.get(), kHost.c_str(), 0, 0, nullptr) == 1);
    CHECK(sans_of(chain.root()).empty());
    CHECK(sans_of(chain.certs[1]).empty());
    CHECK(common_name(chain.root()) != common_name(chain.certs[1]));
  }
  SECTION("common_name, sans and padding") {
    CertSpec leaf = cert("ec-p256");
    leaf.common_name = "Device Gateway";
    leaf.sans = {"DNS:a.example", "IP:192.0.2.7", "IP:2001:db8::1"};
    leaf.extra_sans = 2;
    CertSpec root = cert("ec-p256");
    root.common_name = "Example Root CA";
    Chain chain = issue_chain(chain_of({root, leaf}), own_cache());
    CHECK(common_name(chain.root()) == "Example Root CA");
    CHECK(common_name(chain.leaf()) == "Device Gateway");
    CHECK(sans_of(chain.leaf()) == std::vector<std::string>{"DNS:a.example", "IP:192.0.2.7", "IP:2001:db8::1",
                                                            "DNS:padding-0." + kHost, "DNS:padding-1." + kHost});
    CHECK(X509_check_ip_asc(chain.leaf().cert.get(), "192.0.2.7", 0) == 1);
    CHECK(X509_check_host(chain.leaf().cert.get(), kHost.c_str(), 0, 0, nullptr) != 1);
  }
  SECTION("an empty common_name leaves the CN out") {
    CertSpec leaf = cert("ec-p256");
    leaf.common_name = "";
    Chain chain = issue_chain(chain_of({cert("ec-p256"), leaf}), own_cache());
    CHECK(common_name(chain.leaf()).empty());
    CHECK(sans_of(chain.leaf()) == std::vector<std::string>{"DNS:" + kHost});
  }
}

TEST_CASE("validity windows are relative to generation: valid, expired, not yet valid") {
  TempDir cache;
  auto [not_before, not_after, expected] = GENERATE(table<int, int, int>({
      {-1, 365, X509_V_OK},
      {-30, -1, X509_V_ERR_CERT_HAS_EXPIRED},
      {1, 30, X509_V_ERR_CERT_NOT_YET_VALID},
  }));
  CAPTURE(not_before, not_after);
  CertSpec leaf = cert("ec-p256");
  leaf.not_before_days = not_before;
  leaf.not_after_days = not_after;
  const std::time_t now = std::time(nullptr);
  Chain chain = issue_chain(chain_of({cert("ec-p256"), leaf}), cache.path);
  CHECK(std::abs(seconds_after(X509_get0_notBefore(chain.leaf().cert.get()), now) - not_before * 86400L) < 120);
  CHECK(std::abs(seconds_after(X509_get0_notAfter(chain.leaf().cert.get()), now) - not_after * 86400L) < 120);
  CHECK(verify(chain) == expected);
}

TEST_CASE("path_length is written on the CA and limits the intermediates below it") {
  auto [path_length, expected] = GENERATE(table<int, int>({
      {0, X509_V_ERR_PATH_LENGTH_EXCEEDED},
      {1, X509_V_ERR_PATH_LENGTH_EXCEEDED},
      {2, X509_V_OK},  // two intermediates below the root
  }));
  CertSpec root = cert("ec-p256");
  root.path_length = path_length;
  Chain chain = issue_chain(chain_of({root, cert("ec-p256"), cert("ec-p256"), cert("ec-p256")}), own_cache());
  CHECK(X509_get_pathlen(chain.root().cert.get()) == path_length);
  CHECK(X509_get_pathlen(chain.certs[1].cert.get()) == -1);
  CHECK(verify(chain) == expected);
}

TEST_CASE("issuer: a certificate signed by an earlier, unrelated root verifies with that root's key only") {
  // 0: root A; 1: root B, self-signed; 2: leaf signed by root A, not by its neighbour.
  CertSpec root_b = cert("ec-p256");
  root_b.issuer = 1;
  CertSpec leaf = cert("ec-p256");
  leaf.issuer = 0;
  Chain chain = issue_chain(chain_of({cert("ec-p256"), root_b, leaf}), own_cache());
  CHECK(X509_verify(chain.leaf().cert.get(), chain.root().key.get()) == 1);
  CHECK(X509_verify(chain.leaf().cert.get(), chain.certs[1].key.get()) != 1);
  CHECK(X509_verify(chain.certs[1].cert.get(), chain.certs[1].key.get()) == 1);
  CHECK(verify(chain, {0}, std::vector<size_t>{}) == X509_V_OK);
  CHECK(verify(chain, {1}, std::vector<size_t>{}) == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

TEST_CASE("same_key_as: a cross-signed root shares the new root's key and subject") {
  // 0: old root; 1: new root, self-signed; 2: the new root cross-signed by
  // the old; 3: leaf under the new root.
  CertSpec new_root = cert("ec-p384");
  new_root.issuer = 1;
  CertSpec cross = cert("ec-p384");
  cross.same_key_as = 1;
  cross.issuer = 0;
  CertSpec leaf = cert("ec-p256");
  leaf.issuer = 1;
  Chain chain = issue_chain(chain_of({cert("rsa-2048"), new_root, cross, leaf}), own_cache());
  CHECK(same_key(chain.certs[2], chain.certs[1]));
  CHECK(X509_NAME_cmp(X509_get_subject_name(chain.certs[2].cert.get()),
                      X509_get_subject_name(chain.certs[1].cert.get())) == 0);
  CHECK(X509_verify(chain.certs[2].cert.get(), chain.root().key.get()) == 1);
  CHECK(verify(chain, {0}, std::vector<size_t>{2}) == X509_V_OK);  // old trust anchor, via the cross-signed cert
  CHECK(verify(chain, {1}, std::vector<size_t>{}) == X509_V_OK);   // new trust anchor
}

TEST_CASE("ca overrides which certificates are CAs") {
  CertSpec middle = cert("ec-p256");
  middle.ca = false;
  CertSpec leaf = cert("ec-p256");
  leaf.ca = true;
  leaf.issuer = 0;
  Chain chain = issue_chain(chain_of({cert("ec-p256"), middle, leaf}), own_cache());
  CHECK(X509_check_ca(chain.certs[1].cert.get()) == 0);
  CHECK(X509_check_ca(chain.leaf().cert.get()) != 0);
  CHECK(X509_check_purpose(chain.leaf().cert.get(), X509_PURPOSE_SSL_SERVER, 0) == 1);
}

TEST_CASE("key pool: certificates share keys by (key, slot) across chains, never within one") {
  TempDir cache;
  Chain two = issue_chain(chain_of({cert("ec-p256"), cert("ec-p256")}), cache.path);
  CHECK_FALSE(same_key(two.certs[0], two.certs[1]));
  const auto before = pki_counters();
  ChainSpec longer = chain_of({cert("ec-p256"), cert("ec-p256"), cert("ec-p256")});
  longer.hostname = "other.shakedown.test";
  Chain three = issue_chain(longer, cache.path);
  CHECK(pki_counters().keys_generated - before.keys_generated == 1);  // only slot 2 was new
  CHECK(same_key(three.certs[0], two.certs[0]));
  CHECK(same_key(three.certs[1], two.certs[1]));
  CHECK(fs::exists(cache.path / "keys" / "ec-p256-2.pem"));
}

TEST_CASE("a cached chain loads the same certificates, decoding PEM, generating nothing") {
  TempDir cache;
  const ChainSpec spec = chain_of({cert("ec-p256"), cert("ed25519"), cert("ec-p384")});
  Chain first = issue_chain(spec, cache.path);
  forget_parsed_keys();  // as a new process would
  const auto before = pki_counters();
  Chain second = issue_chain(spec, cache.path);
  const auto after = pki_counters();
  CHECK(after.chains_generated == before.chains_generated);
  CHECK(after.keys_generated == before.keys_generated);
  CHECK(after.chains_loaded - before.chains_loaded == 1);
  CHECK(after.keys_parsed - before.keys_parsed == 3);
  CHECK(all_der(second) == all_der(first));
  CHECK(second.dir == first.dir);
  CHECK(second.leaf().pem == first.leaf().pem);
  CHECK(EVP_PKEY_eq(second.leaf().key.get(), first.leaf().key.get()) == 1);
}

TEST_CASE("a generation older than the maximum age is regenerated with the pooled keys") {
  TempDir cache;
  CertSpec leaf = cert("ec-p256");
  leaf.not_before_days = 1;  // not yet valid: turns valid a day after generation
  const ChainSpec spec = chain_of({cert("ec-p256"), leaf});
  const std::time_t t0 = 1'700'000'000;
  Chain first = issue_chain_at(spec, cache.path, t0);

  const auto before = pki_counters();
  Chain later_same = issue_chain_at(spec, cache.path, t0 + kPkiMaxAgeSeconds - 60);
  CHECK(pki_counters().chains_generated == before.chains_generated);
  CHECK(all_der(later_same) == all_der(first));

  const std::time_t t1 = t0 + kPkiMaxAgeSeconds + 60;
  Chain renewed = issue_chain_at(spec, cache.path, t1);
  CHECK(pki_counters().chains_generated - before.chains_generated == 1);
  CHECK(pki_counters().keys_generated == before.keys_generated);
  CHECK(renewed.dir != first.dir);
  CHECK(fs::exists(first.root_pem_path()));  // kept for whoever still uses it
  CHECK(same_key(renewed.leaf(), first.leaf()));
  CHECK(all_der(renewed) != all_der(first));
  CHECK(seconds_after(X509_get0_notBefore(renewed.leaf().cert.get()), t1) == 86400);
}

TEST_CASE("concurrent issuers of one spec end with the same, valid chain") {
  TempDir cache;
  const ChainSpec spec = chain_of({cert("rsa-2048"), cert("ec-p256"), cert("ec-p256")});
  SECTION("threads") {
    constexpr int kThreads = 4;
    std::vector<std::string> ders(kThreads);
    std::vector<int> verified(kThreads, -1);
    const auto before = pki_counters();
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        Chain chain = issue_chain(spec, cache.path);
        ders[t] = all_der(chain);
        verified[t] = verify(chain);
      });
    }
    for (auto& t : threads) t.join();
    CHECK(pki_counters().chains_generated - before.chains_generated == 1);
    for (int t = 0; t < kThreads; ++t) {
      CHECK(ders[t] == ders[0]);
      CHECK(verified[t] == X509_V_OK);
    }
  }
  SECTION("processes") {
    int go[2], results[2];
    REQUIRE(::pipe(go) == 0);
    REQUIRE(::pipe(results) == 0);
    std::vector<pid_t> children;
    for (int c = 0; c < 2; ++c) {
      pid_t pid = ::fork();
      REQUIRE(pid >= 0);
      if (pid == 0) {
        char byte;
        int status = ::read(go[0], &byte, 1) == 1 ? 0 : 2;
        try {
          Chain chain = issue_chain(spec, cache.path);
          if (verify(chain) != X509_V_OK) status = 3;
          const std::string line = chain.dir.string() + "\n";
          if (::write(results[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) status = 4;
        } catch (...) {
          status = 5;
        }
        ::_exit(status);
      }
      children.push_back(pid);
    }
    REQUIRE(::write(go[1], "gg", 2) == 2);
    for (pid_t pid : children) {
      int status = 0;
      REQUIRE(::waitpid(pid, &status, 0) == pid);
      CHECK(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 0);
    }
    ::close(results[1]);
    std::string dirs;
    char buf[512];
    for (ssize_t n; (n = ::read(results[0], buf, sizeof buf)) > 0;) dirs.append(buf, static_cast<size_t>(n));
    ::close(results[0]);
    ::close(go[0]);
    ::close(go[1]);
    Chain mine = issue_chain(spec, cache.path);  // loads what the children left
    CHECK(dirs == mine.dir.string() + "\n" + mine.dir.string() + "\n");
    CHECK(verify(mine) == X509_V_OK);
  }
}

TEST_CASE("concurrent chains racing for one pool key all end with the key that reached the pool first") {
  TempDir cache;
  constexpr int kThreads = 4;
  std::vector<Chain> chains(kThreads);
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ChainSpec spec = chain_of({cert("rsa-1024"), cert("ec-p256")});
      spec.hostname = "racer-" + std::to_string(t) + ".shakedown.test";  // different chains, same root slot
      start.arrive_and_wait();
      chains[t] = issue_chain(spec, cache.path);
    });
  }
  for (auto& t : threads) t.join();
  Chain pooled = issue_chain(chain_of({cert("rsa-1024"), cert("ec-p256")}), cache.path);
  for (const auto& chain : chains) {
    CHECK(same_key(chain.root(), pooled.root()));
    CHECK(verify(chain) == X509_V_OK);
  }
}

TEST_CASE("invalid specs throw, naming the certificate and field") {
  ChainSpec spec = chain_of({cert("ec-p256"), cert("ec-p256"), cert("ec-p256")});
  std::string field;
  SECTION("issuer out of range") {
    spec.certs[1].issuer = 7;
    field = "certs[1].issuer";
  }
  SECTION("issuer later in the chain") {
    spec.certs[1].issuer = 2;
    field = "certs[1].issuer";
  }
  SECTION("root signed by another") {
    spec.certs[0].issuer = 1;
    field = "certs[0].issuer";
  }
  SECTION("issuer not a CA") {
    spec.certs[1].ca = false;
    field = "certs[2].issuer";
  }
  SECTION("same_key_as not earlier") {
    spec.certs[1].same_key_as = 1;
    field = "certs[1].same_key_as";
  }
  SECTION("same_key_as with a different key") {
    spec.certs[2].key = *KeySpec::parse("rsa-2048");
    spec.certs[2].same_key_as = 0;
    field = "certs[2].same_key_as";
  }
  SECTION("a SAN of an unknown kind") {
    spec.certs[2].sans = {"DNS:ok.example", "URI:https://example"};
    field = "certs[2].sans[1]";
  }
  SECTION("a bad IP address") {
    spec.certs[2].sans = {"IP:300.1.2.3"};
    field = "certs[2].sans[0]";
  }
  SECTION("an unknown hash") {
    spec.certs[1].signature_hash = "md5";
    field = "certs[1].signature_hash";
  }
  SECTION("path_length on a leaf") {
    spec.certs[2].path_length = 0;
    field = "certs[2].path_length";
  }
  SECTION("an unsupported key") {
    spec.certs[0].key.curve = "P-224";
    spec.certs[0].key.algorithm = KeyAlgorithm::kEc;
    field = "certs[0].key";
  }
  SECTION("a common name over 64 characters") {
    spec.certs[0].common_name = std::string(65, 'x');
    field = "certs[0].common_name";
  }
  CHECK_THROWS_WITH(validate(spec), Contains(field));
  CHECK_THROWS_WITH(issue_chain(spec, own_cache()), Contains(field));
}

TEST_CASE("a chain needs a root and a leaf") {
  CHECK_THROWS_WITH(validate(chain_of({cert("ec-p256")})), Contains("root and a leaf"));
}

}  // namespace
}  // namespace shakedown::servers

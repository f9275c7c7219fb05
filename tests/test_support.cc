#include "test_support.h"

namespace shakedown::test {

core::Heap& heap() {
  static std::vector<uint8_t> arena(1024 * 1024);
  static core::Heap h(arena);
  return h;
}

std::vector<uint8_t> pem_for_mbedtls(const std::string& pem) {
  std::vector<uint8_t> bytes(pem.begin(), pem.end());
  bytes.push_back(0);
  return bytes;
}

const servers::Chain& ec_chain() {
  static const servers::Chain chain = servers::issue_chain(
      {{{*servers::KeySpec::parse("ec-p256"), "sha256", 0}, {*servers::KeySpec::parse("ec-p256"), "sha256", 0}},
       kHostname},
      SHAKEDOWN_TEST_PKI_CACHE);
  return chain;
}

servers::EndpointConfig tls12_endpoint() {
  servers::EndpointConfig c;
  c.chain = &ec_chain();
  c.max_version = "tls1.2";
  c.idle_timeout = std::chrono::seconds(3);
  return c;
}

}  // namespace shakedown::test

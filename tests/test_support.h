#pragma once
// What the client tests share: the one Mbed TLS heap of the test program,
// certificates as Mbed TLS takes them, and a plain TLS 1.2 endpoint.

#include <cstdint>
#include <string>
#include <vector>

#include "shakedown/core/heap.h"
#include "test_server.h"

namespace shakedown::test {

inline constexpr const char* kHostname = "cloud.shakedown.test";

// Mbed TLS's heap: one arena for the whole test program, as a port has one.
core::Heap& heap();

// PEM text with the NUL Mbed TLS's parser needs.
std::vector<uint8_t> pem_for_mbedtls(const std::string& pem);

// An EC P-256 root and leaf for kHostname, from the test PKI cache.
const servers::Chain& ec_chain();

// ec_chain() served over TLS 1.2 only, waiting at most 3 s for the client.
servers::EndpointConfig tls12_endpoint();

}  // namespace shakedown::test

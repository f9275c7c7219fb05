#pragma once
// Words that several rule families use in their findings: the client's
// failing call, suites, groups, versions and states as a person reads them.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "diagnosis.h"

namespace shakedown::diagnosis {

// "client: mbedtls_ssl_handshake returned -0x0050 (NAME) at handshake, client state 2".
std::string client_line(const Evidence& e);

// Whether the client's handshake state is known: a run reports it; a log
// only where it prints one.
bool state_shown(const Evidence& e);
// What Mbed TLS waits for in a client handshake state: "waiting for the ServerHello".
std::string waiting_for(int state);
// "c02b (ECDHE-ECDSA-AES128-GCM-SHA256)"; a list of them, comma-separated.
std::string suite_label(uint16_t id);
std::string suite_list(const std::vector<uint16_t>& ids);
// "c02b and c02c"; a long list is cut after a few, saying how many more
// (the evidence lists them all).
std::string hex_list(const std::vector<uint16_t>& ids);
// "P-256, X25519".
std::string group_list(const std::vector<uint16_t>& ids);
// The input buffer size to advise for `needed` bytes: a power of two from
// 512, at most a full record (16384).
size_t next_buffer_size(size_t needed);

}  // namespace shakedown::diagnosis

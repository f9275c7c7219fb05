#pragma once
// A TLS pre-shared key and the identity it goes by, as a server holds it
// and a device is given it.

#include <cstdint>
#include <string>
#include <vector>

namespace shakedown::servers {

struct PreSharedKey {
  std::string identity;      // 1..128 bytes
  std::vector<uint8_t> key;  // 1..64 bytes
};

}  // namespace shakedown::servers

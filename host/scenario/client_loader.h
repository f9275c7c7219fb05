#pragma once
// The client section of a scenario, read row by row of client_options.def:
// numbers and choices by the rows' bounds and names, the special rows by
// their handlers in client_loader.cc.

#include <string>
#include <vector>

#include "scenario.h"
#include "yaml_fields.h"

namespace shakedown::scenario {

// The keys a client section may hold, in the rows' order.
std::vector<std::string> client_keys();

// The `psk` mapping of `section` (client or server): {identity, key}, the
// identity 1 to 128 bytes, the key 1 to 64 bytes in hex digits. Throws LoadError.
servers::PreSharedKey load_psk(const Fields& section, const std::string& key);

// Reads `client` into `spec`, and the Mbed TLS lines it names into `lines`.
// Throws LoadError.
void load_client(const Fields& client, ClientSpec& spec, std::vector<std::string>& lines);

}  // namespace shakedown::scenario

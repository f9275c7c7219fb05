#pragma once
// `shakedown connect HOST:PORT`: one handshake from a device build to a
// server the user names (their cloud endpoint, a broker, a server on their
// desk), and what the client's side of it shows: the outcome, and the
// findings of the rules that need no server capture (as `explain` gives for
// a log alone). Any target: the simulator connects itself, QEMU's and a
// bench's relays connect for the device. The product connects where its user points it; the tests
// point it only at servers they start on 127.0.0.1.

#include <cstdint>
#include <string>

namespace shakedown::cli {

struct ConnectArgs {
  std::string server;  // HOST:PORT; HOST a name or an IPv4 address
  std::string target = "sim";
  std::string mbedtls_line = "3.6";
  std::string profile = "default-16k";
  std::string config_file;     // --config: a device's own config, built on demand (instead of --profile)
  bool mbedtls_named = false;  // --mbedtls was given: the config's line, else it is guessed
  std::string ca_file;     // the device's trust (PEM or DER); empty: the server is not verified
  std::string servername;  // SNI and the name checked; default: HOST when it is a name
  bool no_servername = false;
  std::string time = "now";   // now, unset, or seconds since 1970
  std::string first_request;  // sent after the handshake, one reply read
  unsigned timeout_seconds = 30;
  uint8_t debug_level = 3;
  bool json = false;
  bool show_log = false;
};

// Exit status: 0 the handshake passed, 1 it failed (the findings say why),
// 2 an infrastructure error (the device did not answer, the name did not
// resolve), 3 a usage error.
int connect_command(ConnectArgs args);

}  // namespace shakedown::cli

#pragma once
// `shakedown probe HOST:PORT`: what a live server accepts and how it refuses
// (probe/server_probe.h), for a person or as JSON.

#include <string>
#include <vector>

namespace shakedown::cli {

struct ProbeArgs {
  std::string server;      // HOST:PORT
  std::string servername;  // default: HOST when it is a name
  std::string ca_file;     // the device's trust: does it anchor the server's chain? (and the replica's trust)
  int max_handshakes = 200;
  unsigned timeout_ms = 5000;
  std::string json_path;     // also write the result as JSON here
  std::string replica_path;  // write a scenario whose server behaves as this one (probe/replica.h)
  std::vector<std::string> profiles{"default-16k"};  // the replica's cells, each expected to connect
};

// Exit status: 0 probed (whatever it found), 2 nothing answered there, the
// name did not resolve, or Ctrl-C ended it early (what was learned is still
// printed and written), 3 a usage error (a CA file that cannot be read among them).
int probe_command(const ProbeArgs& args);

}  // namespace shakedown::cli

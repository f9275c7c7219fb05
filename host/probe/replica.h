#pragma once
// A scenario whose server behaves as a probe found a live server behave
// (docs/scenarios.md): the same versions, suites, groups, signature
// schemes, refusal, SNI need, client-certificate request, tickets and max
// fragment length, and a chain of the same shape (key types and sizes,
// signature hashes, names, validity, what is sent) generated with its own
// keys. `shakedown run` on it answers offline whether a device connects to
// that server, and why not, with the capture the real server never gives.

#include <string>
#include <vector>

#include "server_probe.h"

namespace shakedown::probe {

struct ReplicaOptions {
  std::string hostname;               // the client's; default: the leaf's first DNS name
  std::vector<std::string> profiles;  // each expected to connect (a cell that fails says why)
};

// The scenario's YAML. What the probe did not see, or the scenario cannot
// play, is said in comments at its top.
std::string replica_scenario(const ProbeResult& probe, const ReplicaOptions& options);

}  // namespace shakedown::probe

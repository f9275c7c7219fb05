#pragma once
// A scenario's test server made concrete: its chains issued and the endpoint
// pointing at them. The runner and shakedown-server both stand servers up
// this way, so a server run by hand is the one a run uses.

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "pki.h"
#include "scenario.h"
#include "test_server.h"

namespace shakedown::scenario {

using Chains = std::vector<servers::Chain>;

// Issued chains kept in memory, so the cells of a scenario (and scenarios
// sharing a chain) parse its certificates and keys once per run rather than
// once per cell. An entry is issued again (from the PKI cache, which
// regenerates what is too old) after an hour, so a long bench run keeps
// certificates true to the clock. Safe to use from several threads.
class ChainStore {
 public:
  explicit ChainStore(std::filesystem::path pki_cache) : pki_cache_(std::move(pki_cache)) {}
  // Throws std::runtime_error when a chain cannot be issued.
  std::shared_ptr<const Chains> chains_for(const Scenario& scenario);

 private:
  struct Entry {
    std::chrono::steady_clock::time_point issued;
    std::shared_ptr<const Chains> chains;
  };
  std::filesystem::path pki_cache_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;  // by the specs' canonical text
};

struct ServerSetup {
  std::shared_ptr<const Chains> chains;  // chain_specs(), in order; config points into them
  servers::EndpointConfig config;

  // The chain the client's trust anchor comes from.
  const servers::Chain& chain() const { return chains->front(); }
};

ServerSetup set_up_server(const Scenario& scenario, ChainStore& store, const std::filesystem::path& capture_dir = {});

}  // namespace shakedown::scenario

#include "server_setup.h"

namespace shakedown::scenario {
namespace {

constexpr auto kReissueAfter = std::chrono::hours(1);

}  // namespace

std::shared_ptr<const Chains> ChainStore::chains_for(const Scenario& s) {
  const auto specs = s.chain_specs();
  std::string key;
  for (const auto& spec : specs) key += spec.canonical() + "\n--\n";
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(key); it != entries_.end() && now - it->second.issued < kReissueAfter) {
      return it->second.chains;
    }
  }
  // Issued outside the lock: the PKI cache is itself safe for concurrent
  // issuers, and two threads racing here end with equal chains.
  auto chains = std::make_shared<const Chains>(servers::issue_chains(specs, pki_cache_));
  std::lock_guard lock(mutex_);
  entries_[key] = {now, chains};
  return chains;
}

ServerSetup set_up_server(const Scenario& s, ChainStore& store, const std::filesystem::path& capture_dir) {
  ServerSetup setup{store.chains_for(s), s.server};
  const servers::Chain& own = setup.chains->front();
  setup.config.capture_dir = capture_dir;
  setup.config.idle_timeout = s.client.exchange_bound();
  setup.config.chain = &own;
  setup.config.client_ca = &own;  // a server asking for client certificates names the scenario's root
  if (s.sni_default_hostname) {
    // Clients naming the scenario's host get its chain; others the one issued for the default name.
    setup.config.chain = &setup.chains->back();
    setup.config.sni_chains = {{s.client.hostname, &own}};
  }
  return setup;
}

}  // namespace shakedown::scenario

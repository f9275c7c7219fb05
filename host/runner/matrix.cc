#include "matrix.h"

#include <fmt/format.h>
#include <fnmatch.h>
#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace shakedown::runner {

std::optional<Shard> Shard::parse(const std::string& text) {
  unsigned k = 0, n = 0;
  const char* end = text.data() + text.size();
  auto [after_k, k_error] = std::from_chars(text.data(), end, k);
  if (k_error != std::errc() || after_k == end || *after_k != '/') return std::nullopt;
  auto [after_n, n_error] = std::from_chars(after_k + 1, end, n);
  if (n_error != std::errc() || after_n != end || n == 0 || k == 0 || k > n) return std::nullopt;
  return Shard{k, n};
}

std::string Shard::text() const {
  return fmt::format("{}/{}", index, count);
}

std::string cell_id(const scenario::Scenario& s, const scenario::Cell& c) {
  return cell_id(s.name, c.mbedtls_line, c.profile);
}

std::string cell_id(std::string_view scenario, std::string_view mbedtls_line, std::string_view profile) {
  return fmt::format("{}/{}/{}", scenario, mbedtls_line, profile);
}

bool matches(const std::string& filter, const std::string& id) {
  if (filter.find_first_of("*?[") != std::string::npos) return ::fnmatch(filter.c_str(), id.c_str(), 0) == 0;
  return id.find(filter) != std::string::npos;
}

std::vector<PlannedCell> plan(const std::vector<scenario::Scenario>& scenarios, const Selection& sel) {
  std::vector<PlannedCell> out;
  for (const auto& s : scenarios) {
    for (const auto& c : s.cells) {
      if (!sel.mbedtls_lines.empty() &&
          std::find(sel.mbedtls_lines.begin(), sel.mbedtls_lines.end(), c.mbedtls_line) == sel.mbedtls_lines.end()) {
        continue;
      }
      std::string id = cell_id(s, c);
      if (!sel.filters.empty() &&
          std::none_of(sel.filters.begin(), sel.filters.end(), [&](const auto& f) { return matches(f, id); })) {
        continue;
      }
      out.push_back({&s, c, std::move(id)});
    }
  }
  return sel.shard ? take_shard(std::move(out), *sel.shard) : out;
}

std::vector<PlannedCell> take_shard(std::vector<PlannedCell> whole, const Shard& shard) {
  std::vector<PlannedCell> mine;
  for (size_t i = 0; i < whole.size(); ++i) {
    if (shard.holds(i)) mine.push_back(std::move(whole[i]));
  }
  return mine;
}

PlanFacts plan_facts(const std::vector<PlannedCell>& whole, bool keep_ids) {
  std::vector<std::string> ids;
  for (const auto& c : whole) ids.push_back(c.id);
  PlanFacts facts{.cells = whole.size(), .hash = plan_hash(ids)};
  if (keep_ids) facts.ids = std::move(ids);
  return facts;
}

std::string plan_hash(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  std::string text;
  for (const auto& id : ids) text += id + "\n";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed (OpenSSL)");
  }
  std::string hex;
  for (unsigned int i = 0; i < 8 && i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::vector<CellResult> run_matrix(const Runner& runner, const std::vector<PlannedCell>& cells, unsigned jobs,
                                   std::stop_token stop,
                                   const std::function<void(const Progress&)>& on_progress) {
  std::vector<std::optional<CellResult>> slots(cells.size());
  std::mutex mutex;  // guards next, progress and the callback
  size_t next = 0;
  Progress progress{.total = cells.size()};

  auto worker = [&] {
    for (;;) {
      size_t mine = 0;
      {
        std::lock_guard lock(mutex);
        if (stop.stop_requested() || next == cells.size()) return;
        mine = next++;
        ++progress.running;
      }
      CellResult result = runner.run_cell(*cells[mine].scenario, cells[mine].cell, stop);
      std::lock_guard lock(mutex);
      slots[mine] = std::move(result);
      --progress.running;
      ++progress.done;
      progress.unexpected += slots[mine]->verdict == Verdict::kUnexpected;
      progress.infrastructure_errors += slots[mine]->verdict == Verdict::kInfrastructureError;
      progress.last = &*slots[mine];
      if (on_progress) on_progress(progress);
    }
  };
  jobs = std::max(1u, std::min<unsigned>(jobs, static_cast<unsigned>(std::max<size_t>(cells.size(), 1))));
  std::vector<std::jthread> threads;
  for (unsigned i = 1; i < jobs; ++i) threads.emplace_back(worker);
  worker();
  threads.clear();  // joins

  std::vector<CellResult> results;
  for (auto& slot : slots) {
    if (slot) results.push_back(std::move(*slot));
  }
  return results;
}

}  // namespace shakedown::runner

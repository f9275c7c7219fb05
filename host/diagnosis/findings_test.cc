// The declaration of findings (findings.def) against everything that must
// follow it: each finding has a rule, a scenario that expects it and a
// reproducer recipe (or says it has none), and its text id is written
// nowhere in the sources but its declaration.

#include "findings.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "rules.h"

namespace {

using namespace shakedown::diagnosis;
namespace fs = std::filesystem;

const fs::path kRepo = SHAKEDOWN_SOURCE_DIR;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("text ids and FindingIds map one to one through the declaration") {
  std::set<std::string_view> names;
  for (const auto& d : kFindingDeclarations) {
    INFO(d.name);
    CHECK(names.insert(d.name).second);
    CHECK(parse_finding(d.name) == d.id);
    CHECK(finding_name(d.id) == d.name);
    CHECK(is_known_finding(d.name));
  }
  CHECK(known_finding_ids().size() == kFindingCount);
  CHECK_FALSE(parse_finding("no-shared-suite"));
  CHECK_FALSE(is_known_finding(""));
}

TEST_CASE("every declared finding but 'unexplained' has a rule that may give it") {
  for (const auto& d : kFindingDeclarations) {
    INFO(d.name);
    const auto rules = all_rules();
    const bool has_rule =
        std::any_of(rules.begin(), rules.end(), [&](const Rule& r) { return r.produces.contains(d.id); });
    // diagnose() itself gives kUnexplained, when no rule does.
    CHECK(has_rule == (d.id != FindingId::kUnexplained));
  }
}

TEST_CASE("the refusal candidates are the findings declared as candidates") {
  size_t replacing = 0;
  for (const Rule& r : all_rules()) {
    if (r.overlap != Overlap::kReplacesSameIds) continue;
    ++replacing;
    CHECK(r.band == Band::kRefusalCandidates);
    for (const auto& d : kFindingDeclarations) {
      INFO(d.name);
      CHECK(r.produces.contains(d.id) == (d.refusal == Refusal::kCandidate));
    }
  }
  CHECK(replacing == 1);
}

TEST_CASE("every band belongs to one family, so the order of findings never depends on how families are joined") {
  std::map<Band, int> family_of;
  int family = 0;
  for (auto rules : {negotiation_rules(), trust_list_rules(), certificate_rules(), resource_rules(),
                     server_behaviour_rules(), log_only_rules()}) {
    ++family;
    for (const Rule& r : rules) {
      INFO("band " << static_cast<int>(r.band) << " in family " << family);
      CHECK(family_of.emplace(r.band, family).first->second == family);
    }
  }
  // Log-only rules read only a log; the other families never do.
  for (const Rule& r : log_only_rules()) CHECK(r.sources == Sources::kLog);
}

TEST_CASE("every declared finding but 'unexplained' is expected by a scenario") {
  const std::regex expectation(R"(finding:\s*([a-z0-9-]+))");
  std::set<std::string> expected;
  for (const auto& entry : fs::recursive_directory_iterator(kRepo / "scenarios")) {
    if (!entry.is_regular_file() || entry.path().extension() != ".yaml") continue;
    const std::string text = read_file(entry.path());
    for (std::sregex_iterator m(text.begin(), text.end(), expectation), end; m != end; ++m) expected.insert((*m)[1]);
  }
  for (const auto& d : kFindingDeclarations) {
    if (d.id == FindingId::kUnexplained) continue;
    INFO(d.name);
    CHECK(expected.contains(std::string(d.name)));
  }
}

TEST_CASE("every declared finding has a reproducer recipe or declares it has none") {
  for (const auto& d : kFindingDeclarations) {
    INFO(d.name);
    const Reproducer& r = d.reproducer;
    if (r.server == ServerRecipe::kNone) {
      // "None" is all of it: no half recipe whose parts nothing writes.
      CHECK(r.server_lines.empty());
      CHECK(r.client_lines.empty());
      CHECK(r.chain == ChainRecipe::kAsLogged);
      CHECK(r.clock == ClientClock::kAsLogged);
    }
    for (std::string_view lines : {r.server_lines, r.client_lines}) {
      // YAML lines under a two-space-indented key, each ended.
      if (!lines.empty()) CHECK((lines.starts_with("  ") && lines.ends_with("\n")));
    }
  }
}

TEST_CASE("a finding's text id is written in the sources only where it is declared") {
  const fs::path declaration = kRepo / "host/diagnosis/findings.def";
  const std::set<std::string> kExtensions = {".cc", ".h",  ".c",     ".cpp", ".hpp", ".def", ".inc",
                                             ".py", ".sh", ".cmake", ".txt", ".S",   ".ld"};
  std::vector<std::string> misplaced;
  size_t scanned = 0;
  for (const char* top : {"host", "servers", "sim", "firmware", "bench"}) {
    if (!fs::exists(kRepo / top)) continue;
    for (auto it = fs::recursive_directory_iterator(kRepo / top); it != fs::recursive_directory_iterator(); ++it) {
      const fs::path& path = it->path();
      if (it->is_directory() && path.filename() == "tests") {
        it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file() || path == declaration || path.filename().string().ends_with("_test.cc") ||
          !kExtensions.contains(path.extension().string())) {
        continue;
      }
      ++scanned;
      std::istringstream text(read_file(path));
      std::string line;
      for (size_t number = 1; std::getline(text, line); ++number) {
        for (const auto& d : kFindingDeclarations) {
          if (line.find("\"" + std::string(d.name) + "\"") != std::string::npos) {
            misplaced.push_back(fs::relative(path, kRepo).string() + ":" + std::to_string(number) + ": \"" +
                                std::string(d.name) + "\"");
          }
        }
      }
    }
  }
  CHECK(scanned > 100);
  std::string list;
  for (const auto& m : misplaced) list += m + "\n";
  INFO("finding ids written outside host/diagnosis/findings.def:\n" << list);
  CHECK(misplaced.empty());
}

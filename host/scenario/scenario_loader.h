#pragma once
// Loads and validates scenario files. Nothing runs unless every file loads:
// an unknown key, a wrong type or a missing field is a LoadError whose
// message starts with "file:line: ".

#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "scenario.h"

namespace shakedown::scenario {

class LoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One scenario file without `each` (a matrix file is refused: it is many).
Scenario load_scenario(const std::filesystem::path& file);

// The same for a scenario's text already in memory: `file` names it in
// messages and gives the scenario its name; nothing is read from disk.
Scenario parse_scenario(std::string_view text, const std::filesystem::path& file);

// A scenario's text as one scenario, or with `each` (each_matrix.h) as one
// per value.
std::vector<Scenario> parse_scenarios(std::string_view text, const std::filesystem::path& file);

// A file, or every *.yaml below a folder (sorted by path). Throws the first
// LoadError; a path that does not exist is one too.
std::vector<Scenario> load_scenarios(const std::filesystem::path& file_or_folder);

// Every scenario the paths name, each file once however often it is named
// (`run s.yaml s.yaml`, or a file inside a folder also given). Two files with
// one name (<folder>/<stem>) are a LoadError: their cells' results and
// files would overwrite each other.
std::vector<Scenario> load_scenarios(const std::vector<std::filesystem::path>& files_or_folders);

}  // namespace shakedown::scenario

#pragma once
// `each:` in a scenario: one file, many scenarios. It maps a field's path
// ("server.ciphersuites", "client.versions", "pki.1.key") to a list of
// values; the scenario is loaded once per value (per combination, with
// several paths), the field set to it. A scalar for a list field is a list
// of one. Each expansion is named <folder>/<stem>:<values joined by ','>,
// and an expect key may name a value (`default-16k@DHE-RSA-AES128-SHA256`)
// to give the expansions with that value their own expectation.

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <string>
#include <vector>

namespace shakedown::scenario {

struct Expansion {
  YAML::Node root;                  // the scenario with the values set, without `each`
  std::vector<std::string> values;  // this expansion's values, one per path, as written
  std::string label;                // the values joined by ','; empty without `each`
};

// The expansions of a parsed scenario file, in the order written (the first
// path varying slowest); the root alone without `each`. Throws LoadError
// naming the file and line for a path or value it cannot use.
std::vector<Expansion> expand_each(const YAML::Node& root, const std::filesystem::path& file);

// Every value any path of `each` lists (for telling a value from a typo in
// expect keys); empty without `each`.
std::vector<std::string> each_values(const YAML::Node& root);

}  // namespace shakedown::scenario

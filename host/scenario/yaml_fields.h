#pragma once
// Fields: one YAML mapping of a scenario file, its keys checked against the
// allowed ones and its values against their types. Every complaint is a
// LoadError whose message starts with "file:line: ".

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "scenario_loader.h"

namespace shakedown::scenario {

class Fields {
 public:
  // `where` names the mapping in messages ("server", "pki[1]"); missing
  // fields are reported at header_line (0: the mapping's own line).
  Fields(const std::filesystem::path& file, const YAML::Node& node, std::string where, std::vector<std::string> allowed,
         int header_line = 0);

  const std::string& where() const { return where_; }
  const std::filesystem::path& file() const { return file_; }
  bool has(const std::string& key) const { return static_cast<bool>(node_[key]); }
  YAML::Node get(const std::string& key) const { return node_[key]; }
  YAML::Node required(const std::string& key) const;

  // A nested mapping, whose missing fields are reported at its key's line.
  Fields section(const std::string& key, std::vector<std::string> allowed) const;

  // Typed values; a key that is absent gives the fallback (none: required).
  std::string string(const std::string& key, std::optional<std::string> fallback = std::nullopt) const;
  long integer(const std::string& key, long fallback, long min, long max) const;
  bool boolean(const std::string& key, bool fallback) const;
  std::vector<std::string> strings(const std::string& key, std::vector<std::string> fallback = {}) const;
  // Bytes written as hex digits ("00ff..."), min_bytes to max_bytes of them.
  std::vector<uint8_t> hex_bytes(const std::string& key, size_t min_bytes, size_t max_bytes) const;
  // One of `choices`; `where` names the mapping in the message.
  std::string one_of(const std::string& key, const std::string& fallback, const std::vector<std::string>& choices,
                     const std::string& where) const;

  [[noreturn]] void fail(const YAML::Node& at, const std::string& message) const;
  [[noreturn]] void fail_at(int line, const std::string& message) const;

 private:
  const std::filesystem::path& file_;
  YAML::Node node_;
  std::string where_;
  int header_line_;
};

}  // namespace shakedown::scenario

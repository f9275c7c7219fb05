#include "yaml_fields.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>

namespace shakedown::scenario {

Fields::Fields(const std::filesystem::path& file, const YAML::Node& node, std::string where,
               std::vector<std::string> allowed, int header_line)
    : file_(file),
      node_(node),
      where_(std::move(where)),
      header_line_(header_line > 0 ? header_line : node.Mark().line + 1) {
  if (!node.IsMap()) fail(node, fmt::format("{} must be a mapping", where_));
  for (const auto& entry : node) {
    // A list or mapping as a key (`[a]: 1`) names nothing; as<std::string>() would throw.
    if (!entry.first.IsScalar())
      fail(entry.first, fmt::format("a key in {} must be a name, not a list or mapping", where_));
    const std::string& key = entry.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      fail(entry.first,
           fmt::format("unknown key '{}' in {} (expected one of: {})", key, where_, fmt::join(allowed, ", ")));
    }
  }
}

YAML::Node Fields::required(const std::string& key) const {
  if (!has(key)) fail_at(header_line_, fmt::format("missing field '{}' in {}", key, where_));
  return node_[key];
}

Fields Fields::section(const std::string& key, std::vector<std::string> allowed) const {
  YAML::Node value = required(key);
  int line = value.Mark().line + 1;
  for (const auto& entry : node_) {
    if (entry.first.Scalar() == key) line = entry.first.Mark().line + 1;
  }
  return Fields(file_, value, key, std::move(allowed), line);
}

std::string Fields::string(const std::string& key, std::optional<std::string> fallback) const {
  if (!has(key)) {
    if (fallback) return *fallback;
    required(key);
  }
  YAML::Node v = node_[key];
  if (!v.IsScalar()) fail(v, fmt::format("'{}' in {} must be a string", key, where_));
  return v.as<std::string>();
}

long Fields::integer(const std::string& key, long fallback, long min, long max) const {
  if (!has(key)) return fallback;
  YAML::Node v = node_[key];
  long value = 0;
  if (!v.IsScalar() || !YAML::convert<long>::decode(v, value)) {
    fail(v, fmt::format("'{}' in {} must be a whole number", key, where_));
  }
  if (value < min || value > max) fail(v, fmt::format("'{}' in {} must be from {} to {}", key, where_, min, max));
  return value;
}

bool Fields::boolean(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  bool value = false;
  if (!get(key).IsScalar() || !YAML::convert<bool>::decode(get(key), value)) {
    fail(get(key), fmt::format("'{}' in {} must be true or false", key, where_));
  }
  return value;
}

std::vector<std::string> Fields::strings(const std::string& key, std::vector<std::string> fallback) const {
  if (!has(key)) return fallback;
  YAML::Node v = node_[key];
  if (v.IsScalar()) return {v.as<std::string>()};  // a list of one, as `each` sets it
  if (!v.IsSequence()) fail(v, fmt::format("'{}' in {} must be a list of strings", key, where_));
  std::vector<std::string> out;
  for (const auto& item : v) {
    if (!item.IsScalar()) fail(item, fmt::format("'{}' in {} must be a list of strings", key, where_));
    out.push_back(item.as<std::string>());
  }
  return out;
}

std::vector<uint8_t> Fields::hex_bytes(const std::string& key, size_t min_bytes, size_t max_bytes) const {
  const std::string text = string(key);
  auto nibble = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  if (text.size() % 2 != 0 || !std::all_of(text.begin(), text.end(), nibble)) {
    fail(get(key), fmt::format("'{}' in {} must be hex digits, two per byte", key, where_));
  }
  if (text.size() / 2 < min_bytes || text.size() / 2 > max_bytes) {
    fail(get(key),
         fmt::format("'{}' in {} must be {} to {} bytes (got {})", key, where_, min_bytes, max_bytes, text.size() / 2));
  }
  std::vector<uint8_t> out;
  for (size_t i = 0; i < text.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoul(text.substr(i, 2), nullptr, 16)));
  return out;
}

std::string Fields::one_of(const std::string& key, const std::string& fallback, const std::vector<std::string>& choices,
                           const std::string& where) const {
  std::string value = string(key, fallback);
  if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
    fail(get(key),
         fmt::format("'{}' in {} must be one of: {} (got '{}')", key, where, fmt::join(choices, ", "), value));
  }
  return value;
}

void Fields::fail(const YAML::Node& at, const std::string& message) const {
  fail_at(at.Mark().line + 1, message);
}

void Fields::fail_at(int line, const std::string& message) const {
  throw LoadError(fmt::format("{}:{}: {}", file_.string(), line, message));
}

}  // namespace shakedown::scenario

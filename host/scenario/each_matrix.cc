#include "each_matrix.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>

#include "scenario_loader.h"

namespace shakedown::scenario {
namespace {

namespace fs = std::filesystem;

// A bound on one file's matrix, so a slip (or a hostile file) cannot make
// the loader build millions of scenarios.
constexpr size_t kMaxExpansions = 10'000;

struct Axis {
  std::vector<std::string> path;
  std::vector<YAML::Node> values;
};

[[noreturn]] void fail(const fs::path& file, const YAML::Node& at, const std::string& message) {
  throw LoadError(fmt::format("{}:{}: {}", file.string(), at.Mark().line + 1, message));
}

// A value's name in cells: a scalar as written, a list of scalars joined by
// '+'; empty for anything else (a mapping), which read_axes refuses.
std::string value_text(const YAML::Node& value) {
  if (value.IsScalar()) return value.Scalar();
  if (!value.IsSequence()) return {};
  std::vector<std::string> parts;
  for (const auto& item : value) {
    if (!item.IsScalar()) return {};
    parts.push_back(item.Scalar());
  }
  return fmt::format("{}", fmt::join(parts, "+"));
}

std::vector<Axis> read_axes(const YAML::Node& each, const fs::path& file) {
  if (!each.IsMap() || each.size() == 0) fail(file, each, "'each' must map field paths to lists of values");
  std::vector<Axis> axes;
  for (const auto& entry : each) {
    if (!entry.first.IsScalar()) fail(file, entry.first, "a key in each must be a field path such as server.groups");
    const std::string& text = entry.first.Scalar();
    Axis axis;
    for (size_t start = 0; start <= text.size();) {
      const size_t dot = std::min(text.find('.', start), text.size());
      axis.path.push_back(text.substr(start, dot - start));
      start = dot + 1;
    }
    if (axis.path.size() < 2 || (axis.path[0] != "server" && axis.path[0] != "client" && axis.path[0] != "pki")) {
      fail(file, entry.first,
           fmt::format("each.{}: a path starts with server., client. or pki.<index>. and names a field", text));
    }
    if (!entry.second.IsSequence() || entry.second.size() == 0) {
      fail(file, entry.second, fmt::format("each.{} must be a list of at least one value", text));
    }
    for (const auto& value : entry.second) {
      const std::string label = value_text(value);
      if (label.empty() || label.find_first_of("/@,") != std::string::npos) {
        fail(file, value,
             fmt::format("each.{}: '{}' cannot name a cell (a value is a scalar or a list of scalars, not empty, "
                         "without / @ ,)",
                         text, label));
      }
      axis.values.push_back(value);
    }
    axes.push_back(std::move(axis));
  }
  return axes;
}

// Sets root[path] = value, making the mappings on the way; pki.<i> indexes
// the certificate list.
void set_field(YAML::Node root, const Axis& axis, const YAML::Node& value, const fs::path& file, const YAML::Node& at) {
  YAML::Node node = root;
  for (size_t i = 0; i + 1 < axis.path.size(); ++i) {
    const std::string& part = axis.path[i];
    size_t index = 0;
    if (node.IsSequence()) {
      auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
      if (ec != std::errc() || end != part.data() + part.size() || index >= node.size()) {
        fail(file, at, fmt::format("each.{}: '{}' is no index into the list", fmt::join(axis.path, "."), part));
      }
      node.reset(node[index]);
      continue;
    }
    if (!node.IsMap()) fail(file, at, fmt::format("each.{}: '{}' is not a mapping", fmt::join(axis.path, "."), part));
    if (!node[part]) node[part] = YAML::Node(YAML::NodeType::Map);
    node.reset(node[part]);
  }
  if (!node.IsMap()) fail(file, at, fmt::format("each.{}: no mapping to set it in", fmt::join(axis.path, ".")));
  node[axis.path.back()] = YAML::Clone(value);
}

std::vector<Expansion> expand(const YAML::Node& root, const fs::path& file);

}  // namespace

std::vector<Expansion> expand_each(const YAML::Node& root, const fs::path& file) {
  try {
    return expand(root, file);
  } catch (const YAML::Exception& e) {  // a shape the checks above missed: still the file's fault
    throw LoadError(fmt::format("{}:{}: each: {}", file.string(), e.mark.line + 1, e.msg));
  }
}

namespace {

std::vector<Expansion> expand(const YAML::Node& root, const fs::path& file) {
  const YAML::Node each = root["each"];
  if (!each) return {Expansion{root, {}, {}}};
  const std::vector<Axis> axes = read_axes(each, file);
  size_t count = 1;
  for (const auto& axis : axes) {
    count *= axis.values.size();
    if (count > kMaxExpansions) {
      fail(file, each, fmt::format("each expands to more than {} scenarios; split the file", kMaxExpansions));
    }
  }
  std::vector<Expansion> out;
  std::vector<size_t> at(axes.size(), 0);
  for (;;) {
    Expansion e{YAML::Clone(root), {}, {}};
    e.root.remove("each");
    for (size_t i = 0; i < axes.size(); ++i) {
      const YAML::Node& value = axes[i].values[at[i]];
      set_field(e.root, axes[i], value, file, value);
      e.values.push_back(value_text(value));
    }
    e.label = fmt::format("{}", fmt::join(e.values, ","));
    out.push_back(std::move(e));
    size_t i = axes.size();
    while (i > 0 && ++at[i - 1] == axes[i - 1].values.size()) at[--i] = 0;
    if (i == 0) break;
  }
  return out;
}

}  // namespace

std::vector<std::string> each_values(const YAML::Node& root) {
  std::vector<std::string> all;
  const YAML::Node each = root["each"];
  if (!each || !each.IsMap()) return all;
  for (const auto& entry : each) {
    if (!entry.second.IsSequence()) continue;
    for (const auto& value : entry.second) all.push_back(value_text(value));
  }
  return all;
}

}  // namespace shakedown::scenario

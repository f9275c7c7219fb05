#include "findings.h"

#include <array>

namespace shakedown::diagnosis {
namespace {

constexpr bool in_enum_order() {
  for (size_t i = 0; i < std::size(kFindingDeclarations); ++i) {
    if (static_cast<size_t>(kFindingDeclarations[i].id) != i) return false;
  }
  return std::size(kFindingDeclarations) == kFindingCount;
}
static_assert(in_enum_order(), "declaration(id) indexes kFindingDeclarations by FindingId");

constexpr std::array<std::string_view, kFindingCount> kNames = [] {
  std::array<std::string_view, kFindingCount> out{};
  for (size_t i = 0; i < out.size(); ++i) out[i] = kFindingDeclarations[i].name;
  return out;
}();

}  // namespace

std::optional<FindingId> parse_finding(std::string_view name) {
  for (const auto& d : kFindingDeclarations) {
    if (d.name == name) return d.id;
  }
  return std::nullopt;
}

std::span<const std::string_view> known_finding_ids() {
  return kNames;
}

bool is_known_finding(std::string_view id) {
  return parse_finding(id).has_value();
}

}  // namespace shakedown::diagnosis

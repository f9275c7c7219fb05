#include "shakedown/tls/stage.h"

#include <array>

namespace shakedown::tls {
namespace {

// Indexed by the stage's wire value.
constexpr std::array<std::string_view, 6> kStageNames = {"setup",     "load-trust", "connect",
                                                         "handshake", "done",       "exchange"};
static_assert(kStageNames.size() == static_cast<size_t>(Stage::kExchange) + 1);

}  // namespace

std::string_view stage_name(Stage stage) {
  const auto i = static_cast<size_t>(stage);
  return i < kStageNames.size() ? kStageNames[i] : "unknown";
}

std::optional<Stage> stage_from_wire(uint8_t value) {
  if (value >= kStageNames.size()) return std::nullopt;
  return static_cast<Stage>(value);
}

std::optional<Stage> parse_stage(std::string_view name) {
  for (size_t i = 0; i < kStageNames.size(); ++i) {
    if (kStageNames[i] == name) return static_cast<Stage>(i);
  }
  return std::nullopt;
}

}  // namespace shakedown::tls

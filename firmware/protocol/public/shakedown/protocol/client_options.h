#pragma once
// The rows of client_options.def as data: what the scenario loader checks a
// key against, what the configure encoder writes, what the agent accepts.
// Code that binds a row to a struct member expands the .def itself.
//
// Freestanding: no heap, no exceptions.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace shakedown::protocol {

enum class OptionKind : uint8_t { kNumber, kChoice, kSpecial, kScenarioKey };
enum class Sent : uint8_t { kAlways, kUnlessDefault };

struct ClientOptionRow {
  std::string_view field;  // the member of core::ClientOptions and the host's DeviceConfig
  std::string_view key;    // in a scenario's client section; empty: not in scenarios
  uint8_t tag = 0;         // the first TLV tag of kConfigure; 0: never sent
  uint8_t last_tag = 0;
  OptionKind kind = OptionKind::kSpecial;
  // Numbers and choices: bytes on the wire, the range, the default, and
  // (numbers) the values allowed besides the default; none listed: any.
  uint8_t width = 0;
  uint32_t min = 0, max = 0, fallback = 0;
  Sent sent = Sent::kAlways;
  std::array<uint32_t, 8> values{};
  size_t value_count = 0;
  std::array<std::string_view, 8> names{};  // choices: the key's values, by wire value
  size_t name_count = 0;

  constexpr bool owns(uint8_t t) const { return tag != 0 && t >= tag && t <= last_tag; }
  constexpr bool accepts(uint32_t v) const {
    if (v < min || v > max) return false;
    if (value_count == 0 || v == fallback) return true;
    for (size_t i = 0; i < value_count; ++i) {
      if (values[i] == v) return true;
    }
    return false;
  }
};

namespace client_option_detail {
template <typename... T>
constexpr size_t count(T...) {
  return sizeof...(T);
}
}  // namespace client_option_detail

#define SHAKEDOWN_UNPAREN(...) __VA_ARGS__

// client_option::<field>: each row by name.
namespace client_option {
#define SHAKEDOWN_NUMBER(field_, key_, tag_, type, min_, max_, fallback_, sent_, values_) \
  inline constexpr ClientOptionRow field_{.field = #field_,                               \
                                          .key = key_,                                    \
                                          .tag = tag_,                                    \
                                          .last_tag = tag_,                               \
                                          .kind = OptionKind::kNumber,                    \
                                          .width = sizeof(type),                          \
                                          .min = min_,                                    \
                                          .max = max_,                                    \
                                          .fallback = fallback_,                          \
                                          .sent = Sent::sent_,                            \
                                          .values = {SHAKEDOWN_UNPAREN values_},          \
                                          .value_count = client_option_detail::count values_};
#define SHAKEDOWN_CHOICE(field_, key_, tag_, fallback_, names_)                          \
  inline constexpr ClientOptionRow field_{.field = #field_,                              \
                                          .key = key_,                                   \
                                          .tag = tag_,                                   \
                                          .last_tag = tag_,                              \
                                          .kind = OptionKind::kChoice,                   \
                                          .width = 1,                                    \
                                          .min = 0,                                      \
                                          .max = client_option_detail::count names_ - 1, \
                                          .fallback = fallback_,                         \
                                          .names = {SHAKEDOWN_UNPAREN names_},           \
                                          .name_count = client_option_detail::count names_};
#define SHAKEDOWN_SPECIAL(field_, key_, tag_, last_tag_) \
  inline constexpr ClientOptionRow field_{               \
      .field = #field_, .key = key_, .tag = tag_, .last_tag = last_tag_, .kind = OptionKind::kSpecial};
#define SHAKEDOWN_SCENARIO_KEY(field_, key_) \
  inline constexpr ClientOptionRow field_{.field = #field_, .key = key_, .kind = OptionKind::kScenarioKey};
#include "shakedown/protocol/client_options.def"
}  // namespace client_option

// Every row, in the .def's order.
inline constexpr ClientOptionRow kClientOptions[] = {
#define SHAKEDOWN_NUMBER(field, ...) client_option::field,
#define SHAKEDOWN_CHOICE(field, ...) client_option::field,
#define SHAKEDOWN_SPECIAL(field, ...) client_option::field,
#define SHAKEDOWN_SCENARIO_KEY(field, ...) client_option::field,
#include "shakedown/protocol/client_options.def"
};

// The row owning a kConfigure tag; nullptr: none (a newer host's option).
constexpr const ClientOptionRow* client_option_by_tag(uint8_t tag) {
  for (const ClientOptionRow& row : kClientOptions) {
    if (row.owns(tag)) return &row;
  }
  return nullptr;
}

// The highest tag any row owns: an encoder walks 1..this to send in tag order.
constexpr uint8_t kLastConfigureTag = [] {
  uint8_t last = 0;
  for (const ClientOptionRow& row : kClientOptions) last = row.last_tag > last ? row.last_tag : last;
  return last;
}();

// No two rows own a tag, so a tag means one thing to host and device alike.
static_assert([] {
  for (unsigned tag = 1; tag <= 255; ++tag) {
    int owners = 0;
    for (const ClientOptionRow& row : kClientOptions) owners += row.owns(static_cast<uint8_t>(tag)) ? 1 : 0;
    if (owners > 1) return false;
  }
  return true;
}());

}  // namespace shakedown::protocol

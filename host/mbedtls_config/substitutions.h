#pragma once
// What a device's config hooks into its own hardware or project, and the
// target seam that takes its place when shakedown builds the config for a
// target. One row per kind of hook; everything no row matches is kept as the
// user's file has it, which covers every option that changes TLS behaviour
// (versions, suites, curves, hashes, key types, MPI size, buffer lengths,
// MFL, SNI, tickets, verification).

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace shakedown::mbedtls_config {

struct SubstitutionRule {
  // A name matches when it equals `name`, or starts with `prefix` and ends
  // with `suffix` (either may be empty); `name` wins when set.
  std::string_view name;
  std::string_view prefix;
  std::string_view suffix;
  std::string_view replaced_by;  // what the target uses instead
};

std::span<const SubstitutionRule> substitution_rules();

// The first rule that takes `option` out of the user's config; nullptr if it is kept.
const SubstitutionRule* substitution_for(std::string_view option);

}  // namespace shakedown::mbedtls_config

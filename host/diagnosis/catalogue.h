#pragma once
// The finding ids shakedown knows (../shared/design/FAILURES.md), so that a
// scenario naming an unknown finding is rejected when it is loaded.

#include <span>
#include <string_view>

namespace shakedown::diagnosis {

// Every id a rule may produce, plus "unexplained" for a failure no rule
// explains.
std::span<const std::string_view> known_finding_ids();
bool is_known_finding(std::string_view id);

}  // namespace shakedown::diagnosis

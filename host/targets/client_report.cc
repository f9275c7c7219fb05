#include "client_report.h"

#include <fmt/format.h>

namespace shakedown::targets {

std::string format_code(int32_t code) {
  if (code >= 0) return std::to_string(code);
  return fmt::format("-0x{:04x}", -static_cast<int64_t>(code));
}

}  // namespace shakedown::targets

#include "openssl_ptr.h"

#include <openssl/err.h>

namespace shakedown::servers {

std::string take_openssl_errors(const std::string& fallback) {
  std::string text;
  while (unsigned long e = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(e);
    if (!text.empty()) text += "; ";
    text += reason != nullptr ? reason : "error " + std::to_string(ERR_GET_REASON(e));
  }
  return text.empty() ? fallback : text;
}

}  // namespace shakedown::servers

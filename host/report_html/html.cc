#include "html.h"

#include <fmt/format.h>

#include "report_assets.h"

namespace shakedown::report_html {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string grouped(long long n) {
  // Not std::locale: a machine may have no English locale installed.
  const std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out = n < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string text_of(const nlohmann::json& object, const char* field, std::string_view none) {
  if (!object.is_object()) return std::string(none);
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::string(none);
  if (it->is_string()) return it->get_ref<const std::string&>().empty() ? std::string(none) : it->get<std::string>();
  return dumped(*it);
}

std::string dumped(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string open_page(std::string_view title) {
  // No external resource of any kind: a Content-Security-Policy that allows
  // only what is inline makes a slip (a stray URL) fail in the browser test.
  return fmt::format(
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
      "script-src 'unsafe-inline'; img-src data:\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>{}</title>\n<style>{}</style></head>\n<body>\n",
      escape(title), kReportCss);
}

std::string close_page() {
  return fmt::format("<script>{}</script>\n</body></html>\n", kReportJs);
}

}  // namespace shakedown::report_html

#pragma once
// The few pieces every page is made of: text made safe for HTML, the
// document's frame with its styles and script inline (a page opens from a
// CI artifact or a mail, and asks the network for nothing), and numbers as
// people read them.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace shakedown::report_html {

// `text` with &, <, >, " and ' escaped: safe in element text and in
// double-quoted attributes alike.
std::string escape(std::string_view text);

// "12,345"
std::string grouped(long long n);

// `value` as JSON text, any bytes that are not UTF-8 replaced by U+FFFD (a
// device's strings can hold any; nlohmann's dump() would throw on them).
std::string dumped(const nlohmann::json& value);

// A JSON field as text: strings as they are, numbers as JSON writes them,
// null, "" and a missing field as `none`.
std::string text_of(const nlohmann::json& object, const char* field, std::string_view none = "");

// <!doctype html> to <body>, with the report's styles inline and `title`
// escaped; then the caller's body; then close_page: the script and the end.
std::string open_page(std::string_view title);
std::string close_page();

}  // namespace shakedown::report_html

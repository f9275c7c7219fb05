#include "context_lines.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "log_text.h"

namespace shakedown::explain {
namespace {

constexpr size_t kNotFound = std::string_view::npos;

bool contains_any(const std::string& lower, std::initializer_list<std::string_view> words) {
  return std::any_of(words.begin(), words.end(), [&](std::string_view w) { return lower.find(w) != kNotFound; });
}

// The line names where the device connects, not its own network setup.
bool names_a_server(const std::string& lower) {
  return contains_any(lower, {"connect", "host", "server", "broker", "://", "endpoint", "url", "uri"}) &&
         !contains_any(lower, {"dns", "ntp", "gateway", " gw", "netmask", "got ip", "sta ip", "dhcp", "my ip",
                               "local ip", "ip address:", "version"});
}

bool is_digit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

// A number of up to three digits at `i`, at most 255; moves `i` past it.
std::optional<unsigned> octet_at(std::string_view s, size_t& i) {
  const size_t start = i;
  while (i < s.size() && i - start < 4 && is_digit(s[i])) ++i;
  unsigned value = 0;
  if (i == start || i - start > 3) return std::nullopt;
  std::from_chars(s.data() + start, s.data() + i, value);
  return value <= 255 ? std::optional(value) : std::nullopt;
}

std::optional<std::string> dotted_quad_at(std::string_view s, size_t at) {
  if (at > 0 && (is_digit(s[at - 1]) || s[at - 1] == '.')) return std::nullopt;
  size_t i = at;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (i >= s.size() || s[i] != '.') return std::nullopt;
      ++i;
    }
    if (!octet_at(s, i)) return std::nullopt;
  }
  if (i < s.size() && (is_digit(s[i]) || s[i] == '.')) return std::nullopt;
  return std::string(s.substr(at, i - at));
}

// A host name or address ends at `colon` ("broker.example.com:1883",
// "mqtt://broker:1883", "10.0.0.5:80"), not a source file's line number
// ("ssl_client.cpp:80") or a logger's field ("Line:80").
bool host_ends_at(std::string_view lower, size_t colon) {
  size_t start = colon;
  while (start > 0 && (is_word_char(lower[start - 1]) || lower[start - 1] == '.' || lower[start - 1] == '-')) --start;
  const std::string_view host = lower.substr(start, colon - start);
  if (host.empty()) return false;
  if (start >= 3 && lower.substr(start - 3, 3) == "://") return true;
  if (host == "localhost") return true;
  const size_t dot = host.rfind('.');
  if (dot == kNotFound || dot + 1 == host.size()) return false;
  const std::string_view last = host.substr(dot + 1);
  constexpr std::array<std::string_view, 8> kSourceFiles = {"c", "cc", "cpp", "h", "hpp", "py", "ino", "rs"};
  return std::find(kSourceFiles.begin(), kSourceFiles.end(), last) == kSourceFiles.end();
}

}  // namespace

bool shows_1970(std::string_view line) {
  return line.find("1970") != kNotFound &&
         (line.find("Jan  1") != kNotFound || line.find("Jan 1 ") != kNotFound || line.find("1970-01-01") != kNotFound ||
          line.find("01.01.1970") != kNotFound || line.find("01/01/1970") != kNotFound);
}

std::optional<std::string> server_address_in(std::string_view line) {
  if (!names_a_server(lowered(line))) return std::nullopt;
  for (size_t at = 0; at < line.size(); ++at) {
    if (!is_digit(line[at])) continue;
    if (auto address = dotted_quad_at(line, at)) return address;
    while (at + 1 < line.size() && (is_digit(line[at + 1]) || line[at + 1] == '.')) ++at;
  }
  return std::nullopt;
}

std::optional<uint16_t> plain_port_in(std::string_view line) {
  const std::string lower = lowered(line);
  for (const std::string_view before : {":", "port ", "port: ", "port=", "port = "}) {
    for (size_t at = lower.find(before); at != kNotFound; at = lower.find(before, at + 1)) {
      if (before == ":" ? !host_ends_at(lower, at) : at > 0 && is_word_char(lower[at - 1])) continue;
      const size_t digits = at + before.size();
      size_t end = digits;
      while (end < lower.size() && is_digit(lower[end])) ++end;
      if (end == digits || end - digits > 5 || (end < lower.size() && is_word_char(lower[end]))) continue;
      unsigned port = 0;
      std::from_chars(lower.data() + digits, lower.data() + end, port);
      if (port == 1883 || port == 80) return static_cast<uint16_t>(port);
    }
  }
  return std::nullopt;
}

std::optional<uint8_t> alert_received_in(std::string_view line) {
  // "type: [level:description]", as the statement form reads it (bracket_version), and "(msg description)".
  if (auto alert = bracket_version(after(line, "got an alert message, type: "))) return static_cast<uint8_t>(*alert);
  const std::string_view msg = after(line, "is a fatal alert message (msg ");
  if (auto alert = number(msg.substr(0, msg.find(')'))); alert && *alert >= 0 && *alert <= 255) {
    return static_cast<uint8_t>(*alert);
  }
  return std::nullopt;
}

}  // namespace shakedown::explain

#include "log_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace shakedown::explain {

std::string_view after(std::string_view s, std::string_view marker) {
  const size_t at = s.find(marker);
  return at == std::string_view::npos ? std::string_view{} : s.substr(at + marker.size());
}

std::string lowered(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '"' || s.front() == '\'')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '"' || s.back() == '\'' || s.back() == '.')) s.remove_suffix(1);
  return s;
}

std::optional<int64_t> number(std::string_view s, bool bare_hex) {
  s = trim(s);
  bool negative = false;
  if (!s.empty() && s.front() == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  int base = bare_hex ? 16 : 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc{} || end == s.data()) return std::nullopt;
  return negative ? -v : v;
}

std::optional<uint16_t> bracket_version(std::string_view s) {
  const size_t open = s.find('['), colon = s.find(':', open), close = s.find(']', colon);
  if (open == std::string_view::npos || colon == std::string_view::npos || close == std::string_view::npos) {
    return std::nullopt;
  }
  auto major = number(s.substr(open + 1, colon - open - 1));
  auto minor = number(s.substr(colon + 1, close - colon - 1));
  if (!major || !minor || *major < 0 || *major > 255 || *minor < 0 || *minor > 255) return std::nullopt;
  return static_cast<uint16_t>(*major << 8 | *minor);
}

std::optional<Returned> returned(std::string_view text) {
  const size_t at = text.find("returned");
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = text.substr(at + 8);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == ':' || rest.front() == '=')) rest.remove_prefix(1);
  size_t end = 0;
  while (end < rest.size() && rest[end] != ' ' && rest[end] != '(' && rest[end] != ',') ++end;
  auto code = number(rest.substr(0, end));
  // "-9984 (-0x2700)": the hex form in brackets says the same; prefer it.
  if (const size_t open = rest.find("(-0x"); open != std::string_view::npos && open < 16) {
    const size_t close = rest.find(')', open);
    if (auto hex = number(rest.substr(open + 1, close == std::string_view::npos ? 8 : close - open - 1))) code = hex;
  }
  if (!code) return std::nullopt;
  std::string_view before = text.substr(0, at);
  while (!before.empty() && (before.back() == ' ' || before.back() == ')' || before.back() == '(')) {
    before.remove_suffix(1);
  }
  size_t start = before.size();
  while (start > 0 && (std::isalnum(static_cast<unsigned char>(before[start - 1])) != 0 || before[start - 1] == '_' ||
                       before[start - 1] == '>' || before[start - 1] == '-' || before[start - 1] == '(' ||
                       before[start - 1] == ')')) {
    --start;
  }
  std::string call(before.substr(start));
  while (!call.empty() && (call.back() == '(' || call.back() == ')')) call.pop_back();
  // "mbedtls_x509_crt_parse of CA cert returned" (ESP-IDF): the word before
  // "returned" is English, and the call is the identifier the line names.
  if (call.find_first_of("_>") == std::string::npos) {
    const size_t named = before.find("mbedtls_");
    if (named != std::string_view::npos &&
        (named == 0 || std::isalnum(static_cast<unsigned char>(before[named - 1])) == 0)) {
      size_t stop = named;
      while (stop < before.size() &&
             (std::isalnum(static_cast<unsigned char>(before[stop])) != 0 || before[stop] == '_')) {
        ++stop;
      }
      call = std::string(before.substr(named, stop - named));
    }
  }
  return Returned{call, *code};
}

tls::Stage stage_for_call(const std::string& call) {
  if (call.find("x509_crt_parse") != std::string::npos || call.find("pk_parse") != std::string::npos) {
    return tls::Stage::kLoadTrust;
  }
  if (call.find("connect") != std::string::npos) return tls::Stage::kConnect;
  if (call.find("handshake") != std::string::npos) return tls::Stage::kHandshake;
  if (call.find("ssl_setup") != std::string::npos || call.find("config_defaults") != std::string::npos ||
      call.find("drbg_seed") != std::string::npos || call.find("set_hostname") != std::string::npos ||
      call.find("psa_crypto_init") != std::string::npos) {
    return tls::Stage::kSetup;
  }
  return tls::Stage::kHandshake;
}

std::optional<std::pair<std::optional<size_t>, std::vector<uint8_t>>> hex_row(std::string_view text) {
  std::optional<size_t> offset;
  if (text.size() >= 5 && text[4] == ':' && std::all_of(text.begin(), text.begin() + 4, [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) != 0;
      })) {
    offset = static_cast<size_t>(*number(text.substr(0, 4), true));
    text.remove_prefix(5);
  }
  std::vector<uint8_t> bytes;
  size_t i = 0;
  while (i < text.size() && bytes.size() < 16) {
    while (i < text.size() && text[i] == ' ') ++i;
    if (i + 2 > text.size()) break;
    const bool two_hex = std::isxdigit(static_cast<unsigned char>(text[i])) != 0 &&
                         std::isxdigit(static_cast<unsigned char>(text[i + 1])) != 0 &&
                         (i + 2 == text.size() || text[i + 2] == ' ');
    if (!two_hex) break;
    bytes.push_back(static_cast<uint8_t>(*number(text.substr(i, 2), true)));
    i += 2;
  }
  if (bytes.empty() || (!offset && bytes.size() < 2)) return std::nullopt;
  return std::make_pair(offset, std::move(bytes));
}

int state_number(std::string_view name) {
  if (starts_with(name, "MBEDTLS_SSL_")) name.remove_prefix(12);
  for (size_t i = 0; i < kStates.size(); ++i) {
    if (kStates[i] == name) return static_cast<int>(i);
  }
  return -1;
}

std::string_view state_name(int state) {
  return state >= 0 && static_cast<size_t>(state) < kStates.size() ? kStates[static_cast<size_t>(state)] : "?";
}

std::string hex_ids(const std::vector<uint16_t>& ids, const char* separator, size_t limit) {
  std::string out;
  for (size_t i = 0; i < ids.size() && i < limit; ++i) out += fmt::format("{}{:04x}", i == 0 ? "" : separator, ids[i]);
  return out;
}

}  // namespace shakedown::explain

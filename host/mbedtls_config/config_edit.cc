#include "config_edit.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>
#include <string_view>

namespace shakedown::mbedtls_config {

std::string ConfigEdit::describe() const {
  if (add_suite) return fmt::format("add {} to {}", value, option);
  std::vector<std::string> each{value.empty() ? option : option + " " + value};
  for (const auto& d : together) each.push_back(d.value.empty() ? d.option : d.option + " " + d.value);
  std::string text = "#define " + each.front();
  for (size_t i = 1; i < each.size(); ++i) text += (i + 1 == each.size() ? " and " : ", ") + each[i];
  return text;
}

namespace {

bool option_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool value_char(char c) {
  return option_char(c) || (c >= 'a' && c <= 'z');
}

// "NAME [VALUE]{, NAME [VALUE]}[ and NAME [VALUE]] in " at `text`'s start,
// read by hand: std::regex recurses per character, and this form would need
// a repeated group.
std::optional<std::vector<Define>> define_list(std::string_view text) {
  std::vector<Define> defines;
  for (;;) {
    if (!text.starts_with("MBEDTLS_")) return std::nullopt;
    const size_t name_end = std::find_if_not(text.begin(), text.end(), option_char) - text.begin();
    Define d{std::string(text.substr(0, name_end)), ""};
    text.remove_prefix(name_end);
    if (text.starts_with(" ") && !text.starts_with(" in ") && !text.starts_with(" and ")) {
      const size_t value_end = std::find_if_not(text.begin() + 1, text.end(), value_char) - text.begin();
      d.value = std::string(text.substr(1, value_end - 1));
      text.remove_prefix(value_end);
    }
    defines.push_back(std::move(d));
    if (text.starts_with(" in ")) return defines;
    if (text.starts_with(", ")) {
      text.remove_prefix(2);
    } else if (text.starts_with(" and ")) {
      text.remove_prefix(5);
    } else {
      return std::nullopt;
    }
  }
}

}  // namespace

std::optional<ConfigEdit> config_edit_of(const std::string& fix) {
  static const std::regex add(R"(^Add (MBEDTLS_TLS_[A-Z0-9_]+) to MBEDTLS_SSL_CIPHERSUITES in )");
  std::smatch m;
  if (fix.size() <= 4096 && std::regex_search(fix, m, add)) {
    return ConfigEdit{"MBEDTLS_SSL_CIPHERSUITES", m[1], true, {}};
  }
  // The change leads its sentence, or follows a clause that introduces it
  // ("Enable a group the server accepts: #define ...").
  const size_t at = fix.find("#define ");
  if (at == std::string::npos || at > fix.find_first_of(".;")) return std::nullopt;
  auto defines = define_list(std::string_view(fix).substr(at + 8));
  if (!defines) return std::nullopt;
  ConfigEdit edit{defines->front().option, defines->front().value, false, {}};
  edit.together.assign(defines->begin() + 1, defines->end());
  return edit;
}

std::optional<ConfigEdit> parse_config_edit(const std::string& text) {
  if (text.size() > 1024) return std::nullopt;  // no option is that long, and std::regex recurses per character
  static const std::regex form(R"(^\s*(MBEDTLS_[A-Z0-9_]+)(\s+(\S+))?\s*$)");
  std::smatch m;
  if (!std::regex_match(text, m, form)) return std::nullopt;
  return ConfigEdit{m[1], m[3], false, {}};
}

ImportedConfig apply_edit(const ImportedConfig& config, const ConfigEdit& edit, const std::string& suffix) {
  ImportedConfig derived = config;
  if (edit.add_suite) {
    auto& suites = derived.effective[edit.option];
    suites.value = suites.value.empty() ? edit.value : suites.value + ", " + edit.value;
  } else {
    derived.effective[edit.option] = Macro{.value = edit.value};
    for (const auto& d : edit.together) derived.effective[d.option] = Macro{.value = d.value};
  }
  derived.name = config.name + "-" + suffix;
  derived.profile_header = profile_header_of(derived);
  derived.hash = config_hash_of(derived.profile_header);
  return derived;
}

}  // namespace shakedown::mbedtls_config

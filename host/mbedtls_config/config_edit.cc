#include "config_edit.h"

#include <fmt/format.h>

#include <regex>

namespace shakedown::mbedtls_config {

std::string ConfigEdit::describe() const {
  if (add_suite) return fmt::format("add {} to {}", value, option);
  return value.empty() ? "#define " + option : fmt::format("#define {} {}", option, value);
}

std::optional<ConfigEdit> config_edit_of(const std::string& fix) {
  static const std::regex define(R"(#define (MBEDTLS_[A-Z0-9_]+)( ([0-9A-Za-z_]+))? in )");
  static const std::regex add(R"(^Add (MBEDTLS_TLS_[A-Z0-9_]+) to MBEDTLS_SSL_CIPHERSUITES in )");
  std::smatch m;
  if (std::regex_search(fix, m, add)) return ConfigEdit{"MBEDTLS_SSL_CIPHERSUITES", m[1], true};
  // The change leads its sentence, or follows a clause that introduces it
  // ("Enable a group the server accepts: #define ...").
  if (std::regex_search(fix, m, define) && static_cast<size_t>(m.position(0)) <= fix.find_first_of(".;")) {
    return ConfigEdit{m[1], m[3], false};
  }
  return std::nullopt;
}

std::optional<ConfigEdit> parse_config_edit(const std::string& text) {
  if (text.size() > 1024) return std::nullopt;  // no option is that long, and std::regex recurses per character
  static const std::regex form(R"(^\s*(MBEDTLS_[A-Z0-9_]+)(\s+(\S+))?\s*$)");
  std::smatch m;
  if (!std::regex_match(text, m, form)) return std::nullopt;
  return ConfigEdit{m[1], m[3], false};
}

ImportedConfig apply_edit(const ImportedConfig& config, const ConfigEdit& edit, const std::string& suffix) {
  ImportedConfig derived = config;
  if (edit.add_suite) {
    auto& suites = derived.effective[edit.option];
    suites.value = suites.value.empty() ? edit.value : suites.value + ", " + edit.value;
  } else {
    derived.effective[edit.option] = Macro{.value = edit.value};
  }
  derived.name = config.name + "-" + suffix;
  derived.profile_header = profile_header_of(derived);
  derived.hash = config_hash_of(derived.profile_header);
  return derived;
}

}  // namespace shakedown::mbedtls_config

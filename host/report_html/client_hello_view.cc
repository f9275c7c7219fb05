// The ClientHello as the test server parsed it, with every id named: what
// the device offered is the first thing to read in a refused handshake.

#include <fmt/format.h>

#include <cstdint>
#include <string>

#include "cell_view.h"
#include "html.h"
#include "shakedown/tls/cipher_suite.h"
#include "shakedown/tls/named_group.h"
#include "shakedown/tls/signature_scheme.h"
#include "shakedown/tls/version.h"

namespace shakedown::report_html {
namespace {

using nlohmann::json;

// results.json writes ids as four hex digits ("c02b").
uint16_t hex_id(const json& id) {
  return id.is_string() ? static_cast<uint16_t>(std::stoul(id.get<std::string>(), nullptr, 16)) : 0;
}

template <typename Name>
std::string named_list(const json& ids, Name name) {
  if (!ids.is_array() || ids.empty()) return "<span class=\"muted\">none</span>";
  std::string out = "<ol class=\"mono\">";
  for (const auto& id : ids) out += fmt::format("<li>{}</li>", escape(name(hex_id(id))));
  return out + "</ol>";
}

std::string row(std::string_view name, const std::string& value_html) {
  return fmt::format("<tr><th>{}</th><td>{}</td></tr>", name, value_html);
}

}  // namespace

std::string client_hello_table(const json& hello) {
  std::string out = "<table class=\"hello\">";
  out += row("legacy version", escape(tls::prose_name(hex_id(hello.value("legacy_version", json("0000"))))));
  out += row("supported versions", named_list(hello.value("supported_versions", json::array()),
                                              [](uint16_t v) { return tls::prose_name(v); }));
  out += row("cipher suites", named_list(hello.value("cipher_suites", json::array()), tls::describe_suite));
  out += row("groups", named_list(hello.value("groups", json::array()), tls::group_name));
  out += row("signature algorithms",
             named_list(hello.value("signature_algorithms", json::array()), tls::signature_scheme_name));
  const std::string sni = text_of(hello, "server_name");
  out += row("server name (SNI)", sni.empty() ? "<span class=\"muted\">none</span>" : escape(sni));
  const int mfl = hello.value("max_fragment_length", 0);
  out += row("max fragment length", mfl > 0 ? grouped(mfl) + " B" : "<span class=\"muted\">not asked</span>");
  std::string alpn;
  for (const auto& p : hello.value("alpn", json::array()))
    alpn += (alpn.empty() ? "" : ", ") + escape(p.get<std::string>());
  out += row("ALPN", alpn.empty() ? "<span class=\"muted\">none</span>" : alpn);
  out += row("session ticket", hello.value("session_ticket", false) ? "asked" : "not asked");
  std::string extensions;
  for (const auto& e : hello.value("extensions", json::array()))
    extensions += (extensions.empty() ? "" : " ") + dumped(e);
  out += row("extensions, in order", "<span class=\"mono\">" + escape(extensions) + "</span>");
  return out + "</table>";
}

std::string ClientHellos::id_of(const json& hello) {
  const std::string key = dumped(hello);
  const auto [it, added] = ids_.try_emplace(key, fmt::format("hello-{}", tables_.size() + 1));
  if (added) tables_.push_back(client_hello_table(hello));
  return it->second;
}

std::string ClientHellos::templates() const {
  std::string out;
  for (size_t i = 0; i < tables_.size(); ++i) {
    out += fmt::format("<template id=\"hello-{}\">{}</template>\n", i + 1, tables_[i]);
  }
  return out;
}

}  // namespace shakedown::report_html

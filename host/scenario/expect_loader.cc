#include "expect_loader.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>

#include "findings.h"
#include "scenario_loader.h"
#include "shakedown/tls/cipher_suite.h"
#include "shakedown/tls/named_group.h"
#include "shakedown/tls/signature_scheme.h"
#include "shakedown/tls/version.h"
#include "yaml_fields.h"

namespace shakedown::scenario {
namespace {

namespace fs = std::filesystem;

// "-0x0050" or "-80".
std::optional<int32_t> parse_error_code(const std::string& text) {
  std::string_view s = text;
  bool negative = s.starts_with('-');
  if (negative) s.remove_prefix(1);
  int base = 10;
  if (s.starts_with("0x") || s.starts_with("0X")) s.remove_prefix(2), base = 16;
  // One sign only: from_chars takes its own '-', and "--2147483648" would
  // leave a value whose negation overflows.
  if (s.empty() || s.front() == '-') return std::nullopt;
  int32_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, base);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return negative ? -value : value;
}

// One id by any of its names: `parse` gives nullopt for a name it lacks.
template <typename Parse>
std::optional<uint16_t> load_id(const Fields& f, const std::string& key, const std::string& what, Parse parse) {
  if (!f.has(key)) return std::nullopt;
  const std::string text = f.string(key);
  const auto id = parse(text);
  if (!id) f.fail(f.get(key), fmt::format("'{}' in {}: '{}' is no {}", key, f.where(), text, what));
  return id;
}

Negotiated load_negotiated(const Fields& expect) {
  Fields f(expect.file(), expect.get("negotiated"), expect.where() + ".negotiated",
           {"version", "suite", "group", "signature"});
  Negotiated n;
  n.version = load_id(f, "version", "TLS version (tls1.0 .. tls1.3)", [](const std::string& t) {
    const auto v = tls::parse_config_name(t);
    return v ? std::optional<uint16_t>(tls::wire_id(*v)) : std::nullopt;
  });
  n.suite = load_id(f, "suite", "cipher suite (its id, or its IANA, OpenSSL or Mbed TLS name)",
                    [](const std::string& t) { return tls::parse_cipher_suite(t); });
  n.group = load_id(f, "group", "named group (IANA or OpenSSL name)", [](const std::string& t) {
    const tls::NamedGroup* g = tls::named_group(t);
    return g != nullptr ? std::optional<uint16_t>(g->id) : std::nullopt;
  });
  n.signature = load_id(f, "signature", "signature scheme (its IANA name, e.g. rsa_pss_rsae_sha256)",
                        [](const std::string& t) -> std::optional<uint16_t> {
                          for (const auto& scheme : tls::all_signature_schemes()) {
                            if (scheme.name == t) return scheme.id;
                          }
                          return std::nullopt;
                        });
  if (!n.any()) f.fail(expect.get("negotiated"), fmt::format("{} pins nothing", f.where()));
  return n;
}

Expectation load_expectation(const fs::path& file, const YAML::Node& node, const std::string& where) {
  Fields f(file, node, where, {"result", "finding", "error", "negotiated"});
  Expectation e;
  e.line = node.Mark().line + 1;
  f.required("result");
  e.result = f.one_of("result", "", {"pass", "fail"}, where) == "pass" ? Expectation::Result::kPass
                                                                       : Expectation::Result::kFail;
  if (f.has("finding")) {
    std::string id = f.string("finding");
    e.finding = diagnosis::parse_finding(id);
    if (!e.finding) {
      f.fail(f.get("finding"),
             fmt::format("unknown finding '{}' in {} (see docs/scenarios.md for the ids)", id, where));
    }
  }
  if (f.has("error")) {
    auto code = parse_error_code(f.string("error"));
    if (!code || *code >= 0)
      f.fail(f.get("error"), fmt::format("'error' in {} must be a negative code such as -0x0050", where));
    e.error = code;
  }
  if (e.result == Expectation::Result::kPass && e.error) {
    f.fail(node, fmt::format("{} expects a pass, so it can name no error", where));
  }
  if (f.has("negotiated")) {
    if (e.result != Expectation::Result::kPass) {
      f.fail(f.get("negotiated"), fmt::format("{} expects a failure, so nothing is negotiated", where));
    }
    e.negotiated = load_negotiated(f);
  }
  return e;
}

// Profiles an expectation may name: firmware/configs/*.h, listed by CMake.
const std::vector<std::string>& known_profiles() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    std::string_view all = SHAKEDOWN_KNOWN_PROFILES;
    for (size_t start = 0; start < all.size();) {
      const size_t end = std::min(all.find(',', start), all.size());
      out.emplace_back(all.substr(start, end - start));
      start = end + 1;
    }
    return out;
  }();
  return names;
}

// Targets an expectation may name (`profile@qemu`, `profile@3.6@qemu`).
const std::vector<std::string> kTargets = {"sim", "qemu", "board"};

}  // namespace

std::vector<Cell> load_cells(const fs::path& file, const YAML::Node& expect, const std::vector<std::string>& lines,
                             const EachValues& each) {
  if (!expect.IsMap() || expect.size() == 0) {
    throw LoadError(fmt::format("{}:{}: 'expect' must map profiles (or profile@line) to expectations", file.string(),
                                expect.Mark().line + 1));
  }
  struct Key {
    std::string profile, line, target, value;  // line, target and value empty when not named
    auto operator<=>(const Key&) const = default;
  };
  std::vector<std::string> profiles;
  std::map<Key, Expectation> by_key;
  for (const auto& entry : expect) {
    if (!entry.first.IsScalar()) {
      throw LoadError(fmt::format("{}:{}: a key in expect must be a profile (or profile@line), not a list or mapping",
                                  file.string(), entry.first.Mark().line + 1));
    }
    const std::string& text = entry.first.Scalar();
    Key key{text.substr(0, text.find('@'))};
    bool another_expansions = false;
    for (size_t at = text.find('@'); at != std::string::npos;) {
      const size_t next = text.find('@', at + 1);
      const auto part = text.substr(at + 1, next == std::string::npos ? std::string::npos : next - at - 1);
      if (std::find(lines.begin(), lines.end(), part) != lines.end() && key.line.empty()) {
        key.line = part;
      } else if (std::find(kTargets.begin(), kTargets.end(), part) != kTargets.end() && key.target.empty()) {
        key.target = part;
      } else if (std::find(each.mine.begin(), each.mine.end(), part) != each.mine.end() && key.value.empty()) {
        key.value = part;
      } else if (std::find(each.all.begin(), each.all.end(), part) != each.all.end()) {
        another_expansions = true;
      } else {
        throw LoadError(fmt::format(
            "{}:{}: expect.{}: '{}' is neither a Mbed TLS line in client.mbedtls, a target (sim, qemu, board) nor a "
            "value in each",
            file.string(), entry.first.Mark().line + 1, text, part));
      }
      at = next;
    }
    if (const auto& known = known_profiles(); std::find(known.begin(), known.end(), key.profile) == known.end()) {
      throw LoadError(
          fmt::format("{}:{}: expect.{}: no profile '{}' (expected one of: {}; each is a "
                      "firmware/configs/<profile>.h)",
                      file.string(), entry.first.Mark().line + 1, text, key.profile, fmt::join(known, ", ")));
    }
    if (std::find(profiles.begin(), profiles.end(), key.profile) == profiles.end()) profiles.push_back(key.profile);
    const Expectation expectation = load_expectation(file, entry.second, "expect." + text);
    if (!another_expansions) by_key[key] = expectation;
  }
  std::vector<Cell> cells;
  for (const auto& line : lines) {
    for (const auto& profile : profiles) {
      // The most specific key wins: this expansion's value, then the line.
      const auto find = [&](const std::string& target) {
        for (const auto& value : each.mine) {
          for (const auto& l : {line, std::string()}) {
            if (auto it = by_key.find({profile, l, target, value}); it != by_key.end()) return it;
          }
        }
        auto it = by_key.find({profile, line, target, ""});
        return it != by_key.end() ? it : by_key.find({profile, "", target, ""});
      };
      auto it = find("");
      if (it == by_key.end()) {
        throw LoadError(fmt::format("{}:{}: expect has no entry for {} on Mbed TLS {} (add '{}' or '{}@{}')",
                                    file.string(), expect.Mark().line + 1, profile, line, profile, profile, line));
      }
      Cell cell{line, profile, it->second};
      for (const auto& target : kTargets) {
        if (auto t = find(target); t != by_key.end()) cell.on_target[target] = t->second;
      }
      cells.push_back(std::move(cell));
    }
  }
  return cells;
}

}  // namespace shakedown::scenario

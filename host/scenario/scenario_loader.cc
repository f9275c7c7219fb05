#include "scenario_loader.h"

#include <yaml-cpp/yaml.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "client_loader.h"
#include "findings.h"
#include "s_server_peer.h"
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

servers::ChainSpec load_pki(const fs::path& file, const YAML::Node& pki, const std::string& hostname) {
  if (!pki.IsSequence() || pki.size() < 2) {
    throw LoadError(fmt::format("{}:{}: 'pki' must be a list of at least two certificates (root first, leaf last)",
                                file.string(), pki.Mark().line + 1));
  }
  servers::ChainSpec chain;
  chain.hostname = hostname;
  for (size_t i = 0; i < pki.size(); ++i) {
    const std::string where = fmt::format("pki[{}]", i);
    Fields f(file, pki[i], where,
             {"key", "hash", "extra_sans", "cn", "sans", "valid_from_days", "valid_until_days", "path_length", "issuer",
              "same_key_as", "ca"});
    servers::CertSpec cert;
    std::string key = f.string("key");
    auto parsed = servers::KeySpec::parse(key);
    if (!parsed) {
      f.fail(
          f.get("key"),
          fmt::format("'key' in {} must be rsa-<bits>, ec-p256, ec-p384, ec-p521 or ed25519 (got '{}')", where, key));
    }
    cert.key = *parsed;
    cert.signature_hash = f.one_of("hash", "sha256", servers::ChainSpec::known_hashes(), where);
    cert.extra_sans = static_cast<int>(f.integer("extra_sans", 0, 0, 1000));
    if (f.has("cn")) cert.common_name = f.string("cn");
    cert.sans = f.strings("sans");
    for (const auto& san : cert.sans) {
      if (!san.starts_with("DNS:") && !san.starts_with("IP:")) {
        f.fail(f.get("sans"), fmt::format("'sans' in {}: '{}' must start with DNS: or IP:", where, san));
      }
    }
    cert.not_before_days = static_cast<int>(f.integer("valid_from_days", -1, -36500, 36500));
    cert.not_after_days = static_cast<int>(f.integer("valid_until_days", 365, -36500, 36500));
    if (cert.not_after_days <= cert.not_before_days) {
      f.fail(pki[i], fmt::format("{}: valid_until_days must be after valid_from_days", where));
    }
    if (f.has("path_length")) cert.path_length = static_cast<int>(f.integer("path_length", 0, 0, 16));
    const long last = static_cast<long>(pki.size()) - 1;
    if (f.has("issuer")) cert.issuer = static_cast<size_t>(f.integer("issuer", 0, 0, last));
    if (f.has("same_key_as")) cert.same_key_as = static_cast<size_t>(f.integer("same_key_as", 0, 0, last));
    if (f.has("ca")) {
      bool ca = false;
      if (!YAML::convert<bool>::decode(f.get("ca"), ca))
        f.fail(f.get("ca"), fmt::format("'ca' in {} must be true or false", where));
      cert.ca = ca;
    }
    chain.certs.push_back(cert);
  }
  try {
    servers::validate(chain);
  } catch (const std::exception& e) {
    throw LoadError(fmt::format("{}:{}: {}", file.string(), pki.Mark().line + 1, e.what()));
  }
  return chain;
}

const std::vector<std::string> kServerKeys = {"versions",
                                              "ciphersuites",
                                              "signature_algorithms",
                                              "groups",
                                              "on_handshake_failure",
                                              "after_client_hello",
                                              "alert",
                                              "stall",
                                              "record_size",
                                              "dribble",
                                              "session_tickets",
                                              "client_auth",
                                              "sni",
                                              "send",
                                              "peer",
                                              "max_fragment_length",
                                              "psk"};

// Handshake messages a server sends in plaintext, by name, for `stall`.
const std::vector<std::pair<std::string, int>> kServerMessages = {
    {"ServerHello", 2},         {"Certificate", 11},     {"ServerKeyExchange", 12},
    {"CertificateRequest", 13}, {"ServerHelloDone", 14},
};

void load_server(const Fields& f, Scenario& scenario) {
  servers::EndpointConfig& server = scenario.server;
  const size_t chain_size = scenario.chain.certs.size();
  static const std::vector<std::string> kVersions = tls::config_names();
  auto versions = f.strings("versions", {"tls1.2", "tls1.3"});
  if (versions.empty()) f.fail(f.get("versions"), "'versions' in server must name at least one version");
  for (const auto& v : versions) {
    if (std::find(kVersions.begin(), kVersions.end(), v) == kVersions.end()) {
      f.fail(f.get("versions"), fmt::format("unknown version '{}' in server.versions (expected one of: {})", v,
                                            fmt::join(kVersions, ", ")));
    }
  }
  std::sort(versions.begin(), versions.end());
  server.min_version = versions.front();
  server.max_version = versions.back();
  server.ciphersuites = f.strings("ciphersuites");
  server.signature_algorithms = f.string("signature_algorithms", "");
  if (f.has("groups")) {
    std::string groups;
    for (const auto& g : f.strings("groups")) groups += (groups.empty() ? "" : ":") + g;
    server.groups = groups;
  }
  auto after =
      f.one_of("after_client_hello", "negotiate", {"negotiate", "reset", "close", "silence", "alert"}, "server");
  server.after_client_hello = after == "reset"     ? servers::AfterClientHello::kReset
                              : after == "close"   ? servers::AfterClientHello::kClose
                              : after == "silence" ? servers::AfterClientHello::kSilence
                              : after == "alert"   ? servers::AfterClientHello::kAlert
                                                   : servers::AfterClientHello::kNegotiate;
  server.alert_description = static_cast<uint8_t>(f.integer("alert", 40, 0, 255));
  if (f.has("alert") && after != "alert")
    f.fail(f.get("alert"), "'alert' in server goes with after_client_hello: alert");
  if (f.has("stall")) {
    Fields stall(f.file(), f.get("stall"), "server.stall", {"before", "ms"});
    const std::string before = stall.string("before");
    auto it =
        std::find_if(kServerMessages.begin(), kServerMessages.end(), [&](const auto& m) { return m.first == before; });
    if (it == kServerMessages.end()) {
      stall.fail(stall.get("before"), fmt::format("'before' in server.stall must name a handshake message the server "
                                                  "sends in plaintext: ServerHello, Certificate, ServerKeyExchange, "
                                                  "CertificateRequest, ServerHelloDone (got '{}')",
                                                  before));
    }
    server.stall_before = it->second;
    server.stall_for = std::chrono::milliseconds(stall.integer("ms", 0, 1, 600'000));
    if (!stall.has("ms")) stall.required("ms");
  }
  server.record_size = static_cast<size_t>(f.integer("record_size", 0, 1, 16384));
  if (f.has("dribble")) {
    Fields dribble(f.file(), f.get("dribble"), "server.dribble", {"bytes", "every_ms"});
    dribble.required("bytes");
    dribble.required("every_ms");
    server.dribble_bytes = static_cast<size_t>(dribble.integer("bytes", 1, 1, 16384));
    server.dribble_every = std::chrono::milliseconds(dribble.integer("every_ms", 0, 0, 60'000));
  }
  server.session_tickets = f.boolean("session_tickets", true);
  if (f.has("psk")) server.psk = load_psk(f, "psk");
  server.ignore_max_fragment_length =
      f.one_of("max_fragment_length", "honour", {"honour", "ignore"}, "server") == "ignore";
  auto auth = f.one_of("client_auth", "none", {"none", "request", "require"}, "server");
  server.client_auth = auth == "request"   ? servers::ClientAuth::kRequest
                       : auth == "require" ? servers::ClientAuth::kRequire
                                           : servers::ClientAuth::kNone;
  const std::string peer = f.one_of("peer", "shakedown", {"shakedown", "openssl-s_server"}, "server");
  scenario.peer = peer == "openssl-s_server" ? Scenario::Peer::kOpensslSServer : Scenario::Peer::kShakedown;
  // Checked last, once every field it depends on is read (see the end).
  if (f.has("sni")) {
    Fields sni(f.file(), f.get("sni"), "server.sni", {"required", "default_hostname"});
    server.require_sni = sni.has("required") && sni.boolean("required", false);
    if (sni.has("default_hostname")) scenario.sni_default_hostname = sni.string("default_hostname");
  }
  auto on_failure = f.one_of("on_handshake_failure", "alert", {"alert", "reset", "close"}, "server");
  server.on_handshake_failure = on_failure == "reset"   ? servers::OnHandshakeFailure::kReset
                                : on_failure == "close" ? servers::OnHandshakeFailure::kClose
                                                        : servers::OnHandshakeFailure::kAlert;
  if (f.has("send")) {
    YAML::Node send = f.get("send");
    if (!send.IsSequence()) f.fail(send, "'send' in server must be a list of certificate indices into pki");
    for (const auto& item : send) {
      size_t index = 0;
      if (!item.IsScalar() || !YAML::convert<size_t>::decode(item, index) || index >= chain_size) {
        f.fail(item, fmt::format("'send' in server: entries must be indices into pki, 0 to {}", chain_size - 1));
      }
      server.send.push_back(index);
    }
    if (server.send.empty() || server.send.front() != chain_size - 1) {
      f.fail(send, fmt::format("'send' in server must start with the leaf, pki[{}]", chain_size - 1));
    }
  }
  if (scenario.peer == Scenario::Peer::kOpensslSServer) {
    if (std::string why = servers::SServerPeer::unsupported(server); !why.empty()) {
      f.fail(f.get("peer"), fmt::format("openssl s_server cannot play this server: {}", why));
    }
  }
}

Expectation load_expectation(const fs::path& file, const YAML::Node& node, const std::string& where) {
  Fields f(file, node, where, {"result", "finding", "error"});
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

std::vector<Cell> load_cells(const fs::path& file, const YAML::Node& expect, const std::vector<std::string>& lines) {
  if (!expect.IsMap() || expect.size() == 0) {
    throw LoadError(fmt::format("{}:{}: 'expect' must map profiles (or profile@line) to expectations", file.string(),
                                expect.Mark().line + 1));
  }
  struct Key {
    std::string profile, line, target;  // line and target empty when not named
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
    for (size_t at = text.find('@'); at != std::string::npos;) {
      const size_t next = text.find('@', at + 1);
      const auto part = text.substr(at + 1, next == std::string::npos ? std::string::npos : next - at - 1);
      if (std::find(lines.begin(), lines.end(), part) != lines.end() && key.line.empty()) {
        key.line = part;
      } else if (std::find(kTargets.begin(), kTargets.end(), part) != kTargets.end() && key.target.empty()) {
        key.target = part;
      } else {
        throw LoadError(fmt::format(
            "{}:{}: expect.{}: '{}' is neither a Mbed TLS line in client.mbedtls nor a target (sim, qemu, board)",
            file.string(), entry.first.Mark().line + 1, text, part));
      }
      at = next;
    }
    if (const auto& known = known_profiles(); std::find(known.begin(), known.end(), key.profile) == known.end()) {
      throw LoadError(fmt::format("{}:{}: expect.{}: no profile '{}' (expected one of: {}; each is a "
                                  "firmware/configs/<profile>.h)",
                                  file.string(), entry.first.Mark().line + 1, text, key.profile,
                                  fmt::join(known, ", ")));
    }
    if (std::find(profiles.begin(), profiles.end(), key.profile) == profiles.end()) profiles.push_back(key.profile);
    by_key[key] = load_expectation(file, entry.second, "expect." + text);
  }
  std::vector<Cell> cells;
  for (const auto& line : lines) {
    for (const auto& profile : profiles) {
      auto it = by_key.find({profile, line, ""});
      if (it == by_key.end()) it = by_key.find({profile, "", ""});
      if (it == by_key.end()) {
        throw LoadError(fmt::format("{}:{}: expect has no entry for {} on Mbed TLS {} (add '{}' or '{}@{}')",
                                    file.string(), expect.Mark().line + 1, profile, line, profile, profile, line));
      }
      Cell cell{line, profile, it->second};
      for (const auto& target : kTargets) {
        auto t = by_key.find({profile, line, target});
        if (t == by_key.end()) t = by_key.find({profile, "", target});
        if (t != by_key.end()) cell.on_target[target] = t->second;
      }
      cells.push_back(std::move(cell));
    }
  }
  return cells;
}

}  // namespace

Scenario load_scenario(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw LoadError(fmt::format("{}: cannot read the file", file.string()));
  const std::string text{std::istreambuf_iterator<char>(in), {}};
  if (in.bad()) throw LoadError(fmt::format("{}: cannot read the file", file.string()));
  return parse_scenario(text, file);
}

Scenario parse_scenario(std::string_view text, const fs::path& file) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    throw LoadError(fmt::format("{}:{}: not valid YAML: {}", file.string(), e.mark.line + 1, e.msg));
  }
  if (!root.IsMap()) throw LoadError(fmt::format("{}:1: a scenario must be a mapping", file.string()));
  Fields top(file, root, "the scenario", {"summary", "pki", "server", "client", "expect"}, 1);

  Scenario s;
  s.file = file;
  s.name = (file.parent_path().filename() / file.stem()).string();
  s.summary = top.string("summary");

  Fields client = top.section("client", client_keys());
  std::vector<std::string> lines;
  load_client(client, s.client, lines);

  s.chain = load_pki(file, top.required("pki"), s.client.hostname);
  load_server(top.section("server", kServerKeys), s);
  if (s.client.exchange() && s.peer == Scenario::Peer::kOpensslSServer) {
    client.fail(client.get("exchange"), "'exchange' needs shakedown's own server: openssl s_server does not echo");
  }
  // s_server only warns about another identity and goes on with its key.
  if (s.peer == Scenario::Peer::kOpensslSServer && s.server.psk && !s.client.device.psk_key.empty() &&
      s.client.device.psk_identity != s.server.psk->identity) {
    client.fail(client.get("psk"), "a PSK identity other than the server's needs shakedown's own server: openssl "
                                   "s_server accepts any identity");
  }
  s.cells = load_cells(file, top.required("expect"), lines);
  return s;
}

std::vector<Scenario> load_scenarios(const fs::path& file_or_folder) {
  std::error_code ec;
  if (fs::is_regular_file(file_or_folder, ec)) return {load_scenario(file_or_folder)};
  if (!fs::is_directory(file_or_folder, ec)) {
    throw LoadError(fmt::format("{}: no such scenario file or folder", file_or_folder.string()));
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(file_or_folder)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty())
    throw LoadError(fmt::format("{}: no *.yaml scenario files in this folder", file_or_folder.string()));
  std::vector<Scenario> out;
  for (const auto& f : files) out.push_back(load_scenario(f));
  return out;
}

std::vector<Scenario> load_scenarios(const std::vector<fs::path>& files_or_folders) {
  std::vector<Scenario> out;
  std::map<std::string, fs::path> file_by_name;
  for (const auto& path : files_or_folders) {
    for (auto& s : load_scenarios(path)) {
      std::error_code ec;
      const fs::path canonical = fs::weakly_canonical(s.file, ec);
      const auto [at, inserted] = file_by_name.emplace(s.name, canonical);
      if (inserted) {
        out.push_back(std::move(s));
      } else if (at->second != canonical) {
        throw LoadError(fmt::format("{}: two scenarios are named {} (the other: {}); rename one",
                                    s.file.string(), s.name, at->second.string()));
      }
    }
  }
  return out;
}

}  // namespace shakedown::scenario

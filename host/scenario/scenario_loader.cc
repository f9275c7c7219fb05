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
#include "each_matrix.h"
#include "expect_loader.h"
#include "findings.h"
#include "host_port.h"
#include "s_server_peer.h"
#include "shakedown/tls/cipher_suite.h"
#include "shakedown/tls/named_group.h"
#include "shakedown/tls/signature_scheme.h"
#include "shakedown/tls/version.h"
#include "yaml_fields.h"

namespace shakedown::scenario {
namespace {

namespace fs = std::filesystem;

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
                                              "version_refusal_alert",
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

// Suites in any naming scheme, kept as OpenSSL names: TLS 1.3's apart,
// as OpenSSL configures them apart.
void load_server_suites(const Fields& f, servers::EndpointConfig& server) {
  for (const auto& name : f.strings("ciphersuites")) {
    const auto id = tls::parse_cipher_suite(name);
    const tls::CipherSuite* suite = id ? tls::cipher_suite(*id) : nullptr;
    if (suite == nullptr || suite->signalling) {
      f.fail(f.get("ciphersuites"), fmt::format("'ciphersuites' in server: '{}' is no suite OpenSSL can serve (give "
                                                "its IANA id such as c02b, or its IANA, OpenSSL or Mbed TLS name)",
                                                name));
    }
    auto& list = tls::is_tls13_suite(*id) ? server.tls13_ciphersuites : server.ciphersuites;
    list.emplace_back(suite->openssl_name);
  }
}

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
  load_server_suites(f, server);
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
  const std::string peer = f.one_of("peer", "shakedown", {"shakedown", "openssl-s_server", "external"}, "server");
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
  if (f.has("version_refusal_alert")) {
    server.version_refusal_alert = static_cast<uint8_t>(f.integer("version_refusal_alert", 70, 0, 255));
  }
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

}  // namespace

namespace {

bool is_external(const Fields& top) {
  if (!top.has("server")) return false;  // a missing server is the loader's to report, later
  const YAML::Node server = top.get("server");
  if (!server.IsDefined() || !server.IsMap()) return false;
  const YAML::Node peer = server["peer"];
  return peer.IsDefined() && peer.IsScalar() && peer.Scalar() == "external";
}

// `peer: external`: a server the user names, met as it is. Its address and
// the device's trust are all there is to say; the rest is the server's own.
void load_external_server(const Fields& top, Scenario& s) {
  if (top.has("pki")) {
    top.fail(top.get("pki"), "an external server (peer: external) brings its own chain: the scenario has no 'pki'");
  }
  const Fields f = top.section("server", {"peer", "address", "trust"});
  s.peer = Scenario::Peer::kExternal;
  const std::string address = f.string("address");
  const auto where = net::parse_host_port(address);
  if (!where) f.fail(f.get("address"), fmt::format("'address' in server must be HOST:PORT, not '{}'", address));
  s.external.host = where->host;
  s.external.port = where->port;
  if (f.has("trust")) {
    fs::path trust = f.string("trust");
    if (trust.is_relative()) trust = f.file().parent_path() / trust;
    std::error_code ec;
    if (!fs::is_regular_file(trust, ec)) {
      f.fail(f.get("trust"), fmt::format("'trust' in server: no file {}", trust.string()));
    }
    s.external.trust = trust;
  }
}

YAML::Node parse_yaml(std::string_view text, const fs::path& file) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    throw LoadError(fmt::format("{}:{}: not valid YAML: {}", file.string(), e.mark.line + 1, e.msg));
  }
  if (!root.IsMap()) throw LoadError(fmt::format("{}:1: a scenario must be a mapping", file.string()));
  return root;
}

Scenario load_expansion(const Expansion& expansion, const fs::path& file, const EachValues& each) {
  const YAML::Node& root = expansion.root;
  Fields top(file, root, "the scenario", {"summary", "pki", "server", "client", "expect"}, 1);

  Scenario s;
  s.file = file;
  s.name = (file.parent_path().filename() / file.stem()).string();
  if (!expansion.label.empty()) s.name += ":" + expansion.label;
  s.summary = top.string("summary");

  Fields client = top.section("client", client_keys());
  std::vector<std::string> lines;
  load_client(client, s.client, lines);

  if (is_external(top)) {
    load_external_server(top, s);
  } else {
    s.chain = load_pki(file, top.required("pki"), s.client.hostname);
    load_server(top.section("server", kServerKeys), s);
  }
  if (s.client.exchange() && s.peer == Scenario::Peer::kOpensslSServer) {
    client.fail(client.get("exchange"), "'exchange' needs shakedown's own server: openssl s_server does not echo");
  }
  // s_server only warns about another identity and goes on with its key.
  if (s.peer == Scenario::Peer::kOpensslSServer && s.server.psk && !s.client.device.psk_key.empty() &&
      s.client.device.psk_identity != s.server.psk->identity) {
    client.fail(client.get("psk"), "a PSK identity other than the server's needs shakedown's own server: openssl "
                                   "s_server accepts any identity");
  }
  s.cells = load_cells(file, top.required("expect"), lines, each);
  for (const auto& cell : s.cells) {
    if (s.peer != Scenario::Peer::kShakedown && cell.expect.negotiated.signature) {
      throw LoadError(
          fmt::format("{}:{}: negotiated.signature needs shakedown's own server: only it sees what it "
                      "signed with, {} does not say",
                      file.string(), cell.expect.line,
                      s.peer == Scenario::Peer::kExternal ? "an external server" : "openssl s_server"));
    }
  }
  return s;
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw LoadError(fmt::format("{}: cannot read the file", file.string()));
  const std::string text{std::istreambuf_iterator<char>(in), {}};
  if (in.bad()) throw LoadError(fmt::format("{}: cannot read the file", file.string()));
  return text;
}

}  // namespace

Scenario load_scenario(const fs::path& file) {
  return parse_scenario(read_file(file), file);
}

Scenario parse_scenario(std::string_view text, const fs::path& file) {
  const YAML::Node root = parse_yaml(text, file);
  if (root["each"]) {
    throw LoadError(
        fmt::format("{}:{}: this file is a matrix ('each'): it loads as several scenarios, with "
                    "shakedown run",
                    file.string(), root["each"].Mark().line + 1));
  }
  return load_expansion(Expansion{root, {}, {}}, file, {});
}

std::vector<Scenario> parse_scenarios(std::string_view text, const fs::path& file) {
  const YAML::Node root = parse_yaml(text, file);
  const std::vector<std::string> all = each_values(root);
  std::vector<Scenario> out;
  for (const auto& expansion : expand_each(root, file)) {
    out.push_back(load_expansion(expansion, file, {expansion.values, all}));
  }
  return out;
}

std::vector<Scenario> load_scenarios(const fs::path& file_or_folder) {
  std::error_code ec;
  if (fs::is_regular_file(file_or_folder, ec)) return parse_scenarios(read_file(file_or_folder), file_or_folder);
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
  for (const auto& f : files) {
    for (auto& s : parse_scenarios(read_file(f), f)) out.push_back(std::move(s));
  }
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
        throw LoadError(fmt::format("{}: two scenarios are named {} (the other: {}); rename one", s.file.string(),
                                    s.name, at->second.string()));
      }
    }
  }
  return out;
}

}  // namespace shakedown::scenario

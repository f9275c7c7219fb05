#include "replica.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>

#include "shakedown/tls/version.h"

namespace shakedown::probe {
namespace {

// "rsaEncryption 2048" -> "rsa-2048", "EC prime256v1" -> "ec-p256"; "" for
// a key the scenario's PKI cannot make.
std::string pki_key(const std::string& key) {
  static const std::map<std::string, std::string> kCurves = {
      {"EC prime256v1", "ec-p256"}, {"EC secp384r1", "ec-p384"}, {"EC secp521r1", "ec-p521"}};
  if (auto it = kCurves.find(key); it != kCurves.end()) return it->second;
  if (key.starts_with("rsaEncryption ")) return "rsa-" + key.substr(key.find(' ') + 1);
  if (key.starts_with("ED25519")) return "ed25519";
  return "";
}

std::string pki_hash(const std::string& signature) {
  std::string lower = signature;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* hash : {"sha512", "sha384", "sha256", "sha1"}) {
    if (lower.find(hash) != std::string::npos) return hash;
  }
  return "sha256";  // Ed25519 signs without a separate hash; the field is ignored for it
}

std::string common_name(const std::string& rfc2253) {
  const size_t at = rfc2253.find("CN=");
  if (at == std::string::npos) return "";
  const size_t end = rfc2253.find(',', at);
  return rfc2253.substr(at + 3, end == std::string::npos ? std::string::npos : end - at - 3);
}

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

// "tls1.2" for OpenSSL's "TLSv1.2".
std::string scenario_version(const std::string& openssl) {
  return std::string(tls::config_name(*tls::parse_version(openssl)));
}

}  // namespace

std::string replica_scenario(const ProbeResult& r, const ReplicaOptions& options) {
  std::vector<std::string> notes;
  // The chain, root first: the sent certificates reversed, and a root of
  // the top one's kind when the server does not send its root.
  std::vector<CertificateSeen> pki(r.chain.rbegin(), r.chain.rend());
  std::vector<size_t> send;  // indices into pki, leaf first
  const bool root_sent = !pki.empty() && pki.front().subject == pki.front().issuer;
  if (!pki.empty() && !root_sent) {
    CertificateSeen root = pki.front();
    root.subject = root.issuer;
    pki.insert(pki.begin(), root);
    notes.push_back(
        fmt::format("the root ({}) is not sent; its key is taken to be of the kind of the certificate it "
                    "signs",
                    root.subject));
  }
  for (size_t i = pki.size(); i-- > (root_sent ? 0 : 1);) send.push_back(i);
  std::string hostname = options.hostname;
  if (hostname.empty() && !r.chain.empty() && !r.chain.front().dns_names.empty()) {
    hostname = r.chain.front().dns_names.front();
  }
  if (hostname.empty()) hostname = "replica.shakedown.test";

  // The device trusts pki[0]. When the user's CA file does not anchor the
  // real chain, that is a root of its own and the chain's root is pki[1],
  // self-signed: the replica's chain stays unanchored too.
  const bool unanchored = r.anchored && !*r.anchored;
  const size_t offset = unanchored ? 1 : 0;
  std::string pki_text;
  if (unanchored) {
    const std::string key = pki.empty() ? "" : pki_key(pki.front().key);
    pki_text = fmt::format("  - {{key: {}, cn: \"Device Trusted Root\"}}\n", key.empty() ? "rsa-2048" : key);
    notes.push_back(
        fmt::format("your CA file does not anchor the server's chain ({}): the device trusts a root of "
                    "its own (pki[0]), not the chain's",
                    r.unanchored_because));
  } else if (!r.anchored) {
    notes.push_back("the device trusts the chain's root: no CA file was checked against the real chain (--ca)");
  }
  for (size_t i = 0; i < pki.size(); ++i) {
    const CertificateSeen& c = pki[i];
    std::string key = pki_key(c.key);
    if (key.empty()) {
      notes.push_back(
          fmt::format("certificate {} has a key the scenario cannot make ({}): rsa-2048 instead", i, c.key));
      key = "rsa-2048";
    }
    std::string line = fmt::format("  - {{key: {}, hash: {}", key, pki_hash(c.signature));
    if (unanchored && i == 0) line += ", issuer: 1";
    const std::string cn = common_name(c.subject);
    if (!cn.empty() && (i + 1 < pki.size() || cn != hostname)) line += fmt::format(", cn: {}", quoted(cn));
    if (i + 1 == pki.size() && !c.dns_names.empty()) {
      std::vector<std::string> sans;
      for (const auto& name : c.dns_names) sans.push_back(quoted("DNS:" + name));
      line += fmt::format(", sans: [{}]", fmt::join(sans, ", "));
    }
    line += fmt::format(", valid_from_days: {}, valid_until_days: {}", -std::max(c.days_since_start, 0), c.days_left);
    pki_text += line + "}\n";
  }

  std::vector<std::string> versions, suites;
  for (const auto& v : r.versions) {
    if (!v.accepted) continue;
    versions.push_back(scenario_version(v.version));
    for (uint16_t id : v.suites) suites.push_back(fmt::format("\"{:04x}\"", id));
    if (v.server_order && !*v.server_order) {
      notes.push_back(fmt::format("{}: the server follows the client's suite order", v.version));
    }
  }
  // The scenario's server allows a range of versions: a refused one inside the accepted ones is allowed there.
  size_t first = r.versions.size(), last = 0;
  for (size_t i = 0; i < r.versions.size(); ++i) {
    if (r.versions[i].accepted) first = std::min(first, i), last = i;
  }
  for (size_t i = first + 1; i < last; ++i) {
    if (!r.versions[i].accepted) {
      notes.push_back(
          fmt::format("{} is refused inside the accepted range: the replica allows it", r.versions[i].version));
    }
  }
  const std::vector<std::string> range =
      versions.size() < 2 ? versions : std::vector<std::string>{versions.front(), versions.back()};
  std::string server = fmt::format("  versions: [{}]\n", fmt::join(range, ", "));
  if (!suites.empty()) server += fmt::format("  ciphersuites: [{}]\n", fmt::join(suites, ", "));
  if (!r.groups.empty()) server += fmt::format("  groups: [{}]\n", fmt::join(r.groups, ", "));
  if (!r.signature_schemes.empty()) {
    server +=
        fmt::format("  signature_algorithms: {}\n", quoted(fmt::format("{}", fmt::join(r.signature_schemes, ":"))));
  }
  switch (r.suite_refusal.kind) {
    case Refusal::Kind::kReset: server += "  on_handshake_failure: reset\n"; break;
    case Refusal::Kind::kClose: server += "  on_handshake_failure: close\n"; break;
    default: break;
  }
  // A device meets the refusal of the newest version below the accepted ones
  // (TLS 1.2 against a server of TLS 1.3 only). The replica refuses it as it
  // refuses a suite (on_handshake_failure), with OpenSSL's protocol_version
  // where that is an alert, unless the server sent another alert.
  if (first < r.versions.size() && first > 0) {
    constexpr int kProtocolVersion = 70;
    const Refusal& below = r.versions[first - 1].refusal;
    const bool resets_or_closes =
        r.suite_refusal.kind == Refusal::Kind::kReset || r.suite_refusal.kind == Refusal::Kind::kClose;
    const Refusal replayed =
        resets_or_closes ? Refusal{r.suite_refusal.kind, -1, ""} : Refusal{Refusal::Kind::kAlert, kProtocolVersion, ""};
    if (below.kind == Refusal::Kind::kAlert && replayed.kind == Refusal::Kind::kAlert &&
        below.alert != replayed.alert) {
      server += fmt::format("  version_refusal_alert: {}\n", below.alert);
    } else if (below.kind != Refusal::Kind::kNone && (below.kind != replayed.kind || below.alert != replayed.alert)) {
      notes.push_back(fmt::format("{} is refused with {}; the replica refuses it with {}",
                                  r.versions[first - 1].version, describe(below), describe(replayed)));
    }
  }
  if (!root_sent || send.size() != pki.size() - 1 || unanchored) {
    std::vector<std::string> indices;
    for (size_t i : send) indices.push_back(std::to_string(i + offset));
    server += fmt::format("  send: [{}]\n", fmt::join(indices, ", "));
  }
  server += fmt::format("  session_tickets: {}\n", r.session_ticket ? "true" : "false");
  if (r.max_fragment_length)
    server += fmt::format("  max_fragment_length: {}\n", *r.max_fragment_length ? "honour" : "ignore");
  if (r.certificate_requested) server += "  client_auth: request\n";
  if (r.sni_required && *r.sni_required) server += "  sni: {required: true}\n";
  for (const auto& unseen : r.unseen) notes.push_back("not seen: " + unseen);

  std::string out =
      fmt::format("# A replica of {}, written by `shakedown probe` from {} handshakes.\n", r.server, r.handshakes);
  for (const auto& note : notes) out += "# " + note + "\n";
  out += fmt::format(
      "summary: >-\n  A server that behaves as {} did when probed: its versions, suites, groups, "
      "signature schemes and refusals, and a chain of its shape with keys of its own.\n",
      r.server);
  out += "pki:\n" + pki_text + "server:\n" + server;
  out += fmt::format("client:\n  hostname: {}\n  mbedtls: [\"2.28\", \"3.6\"]\n", quoted(hostname));
  out += "expect:\n  # The device is expected to connect: a cell that fails says why.\n";
  for (const auto& profile : options.profiles) out += fmt::format("  {}: {{result: pass}}\n", profile);
  return out;
}

}  // namespace shakedown::probe

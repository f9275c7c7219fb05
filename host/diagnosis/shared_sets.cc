#include "shared_sets.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string_view>

#include "rules.h"
#include "shakedown/tls/cipher_suite.h"
#include "shakedown/tls/named_group.h"
#include "shakedown/tls/signature_scheme.h"
#include "shakedown/tls/version.h"
#include "wording.h"

namespace shakedown::diagnosis {
namespace {

using tls::Version;

bool has(const std::vector<uint16_t>& list, uint16_t id) {
  return std::find(list.begin(), list.end(), id) != list.end();
}

const servers::ClientHelloCapture* captured_hello(const Evidence& e) {
  return e.server.connection && e.server.connection->client_hello ? &*e.server.connection->client_hello : nullptr;
}

// OpenSSL's TLS 1.3 suites when a server sets none (TLS_AES_128_GCM_SHA256,
// TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256).
constexpr uint16_t kOpensslDefaultTls13Suites[] = {0x1301, 0x1302, 0x1303};

// OpenSSL's signature list forms ("RSA+SHA256"): the schemes each names.
struct SigalgForm {
  std::string_view form;
  std::vector<uint16_t> schemes;
};
const std::vector<SigalgForm>& sigalg_forms() {
  static const std::vector<SigalgForm> kForms = {{"RSA+SHA1", {0x0201}},
                                                 {"RSA+SHA256", {0x0401}},
                                                 {"RSA+SHA384", {0x0501}},
                                                 {"RSA+SHA512", {0x0601}},
                                                 {"ECDSA+SHA1", {0x0203}},
                                                 {"ECDSA+SHA256", {0x0403}},
                                                 {"ECDSA+SHA384", {0x0503}},
                                                 {"ECDSA+SHA512", {0x0603}},
                                                 {"RSA-PSS+SHA256", {0x0804, 0x0809}},
                                                 {"RSA-PSS+SHA384", {0x0805, 0x080a}},
                                                 {"RSA-PSS+SHA512", {0x0806, 0x080b}},
                                                 {"PSS+SHA256", {0x0804, 0x0809}},
                                                 {"PSS+SHA384", {0x0805, 0x080a}},
                                                 {"PSS+SHA512", {0x0806, 0x080b}},
                                                 {"ED25519", {0x0807}},
                                                 {"ED448", {0x0808}}};
  return kForms;
}

}  // namespace

// The device reports the first 64 suites it offered (core's
// HandshakeReport::kMaxSuites): a list that long may be cut short.
constexpr size_t kReportedSuitesCap = 64;

std::vector<uint16_t> offered_suites(const Evidence& e) {
  const auto* hello = captured_hello(e);
  const auto& reported = e.client.offered_suites;
  const auto& build = e.build.ciphersuites;
  // Cut short and the start of the build's own list: the device offered
  // the whole list (it was not restricted at run time), so that is the set.
  const bool whole_build_list = reported.size() >= kReportedSuitesCap && build.size() > reported.size() &&
                                std::equal(reported.begin(), reported.end(), build.begin());
  const auto& all = hello != nullptr ? hello->cipher_suites : whole_build_list ? build : reported;
  std::vector<uint16_t> out;
  for (auto id : all) {
    if (!tls::is_signalling_suite(id)) out.push_back(id);
  }
  return out;
}

std::vector<uint16_t> client_versions(const Evidence& e) {
  if (const auto* hello = captured_hello(e)) return offered_versions(*hello);
  std::vector<uint16_t> out;
  if (e.build.tls1_2) out.push_back(tls::wire_id(Version::kTls1_2));
  if (e.build.tls1_3) out.push_back(tls::wire_id(Version::kTls1_3));
  return out;
}

std::optional<uint16_t> highest_shared_version(const Evidence& e) {
  const uint16_t low = tls::wire_id(e.server.min_version), high = tls::wire_id(e.server.max_version);
  std::optional<uint16_t> out;
  for (auto v : client_versions(e)) {
    if (v >= low && v <= high && (!out || v > *out)) out = v;
  }
  return out;
}

std::vector<uint16_t> shared_tls12_suites(const Evidence& e) {
  std::vector<uint16_t> out;
  for (auto id : offered_suites(e)) {
    const bool accepted = std::any_of(e.server.accepted_suites.begin(), e.server.accepted_suites.end(),
                                      [&](const servers::SuiteName& s) { return s.id == id; });
    if (accepted) out.push_back(id);
  }
  return out;
}

bool suites_shared(const Evidence& e) {
  if (!shared_tls12_suites(e).empty()) return true;
  const uint16_t tls13 = tls::wire_id(Version::kTls1_3);
  if (highest_shared_version(e) != tls13) return false;
  const auto offered = offered_suites(e);
  return std::any_of(std::begin(kOpensslDefaultTls13Suites), std::end(kOpensslDefaultTls13Suites),
                     [&](uint16_t id) { return has(offered, id); });
}

bool ecdhe_suite(uint16_t id) {
  const tls::CipherSuite* suite = tls::cipher_suite(id);
  return suite != nullptr && suite->iana_name.find("_ECDHE_") != std::string_view::npos;
}

std::optional<std::vector<uint16_t>> server_signature_schemes(const ServerView& server) {
  if (server.signature_algorithms.empty()) return std::nullopt;
  std::vector<uint16_t> out;
  const std::string_view list = server.signature_algorithms;
  for (size_t start = 0; start <= list.size();) {
    const size_t end = std::min(list.find(':', start), list.size());
    const std::string_view item = list.substr(start, end - start);
    start = end + 1;
    if (item.empty()) continue;
    const auto& forms = sigalg_forms();
    const auto form = std::find_if(forms.begin(), forms.end(), [&](const SigalgForm& f) {
      return std::equal(f.form.begin(), f.form.end(), item.begin(), item.end(),
                        [](char a, char b) { return a == std::toupper(static_cast<unsigned char>(b)); });
    });
    if (form != forms.end()) {
      out.insert(out.end(), form->schemes.begin(), form->schemes.end());
      continue;
    }
    const auto schemes = tls::all_signature_schemes();
    const auto named =
        std::find_if(schemes.begin(), schemes.end(), [&](const tls::SignatureScheme& s) { return s.name == item; });
    if (named == schemes.end()) return std::nullopt;
    out.push_back(named->id);
  }
  return out;
}

std::vector<uint16_t> schemes_for_key(const CertInfo& leaf, uint16_t version) {
  const bool tls13 = version >= tls::wire_id(Version::kTls1_3);
  if (leaf.key_type == "RSA") {
    std::vector<uint16_t> out{0x0804, 0x0805, 0x0806};
    if (!tls13) out.insert(out.end(), {0x0201, 0x0401, 0x0501, 0x0601});
    return out;
  }
  if (leaf.key_type == "EC") {
    if (!tls13) return {0x0203, 0x0403, 0x0503, 0x0603};
    switch (leaf.key_bits) {
      case 256: return {0x0403};
      case 384: return {0x0503};
      case 521: return {0x0603};
      default: return {};
    }
  }
  if (leaf.key_type == "ED25519") return {0x0807};
  return {};
}

const CertInfo* server_leaf(const Evidence& e) {
  for (const auto& c : e.server.chain) {
    if (c.role == "leaf") return &c;
  }
  return nullptr;
}

std::optional<bool> signature_scheme_shared(const Evidence& e) {
  const CertInfo* leaf = server_leaf(e);
  const auto* hello = captured_hello(e);
  const auto version = highest_shared_version(e);
  if (leaf == nullptr || hello == nullptr || !version) return std::nullopt;
  const auto fit = schemes_for_key(*leaf, *version);
  if (fit.empty()) return std::nullopt;
  const auto own = server_signature_schemes(e.server);
  if (!own && !e.server.signature_algorithms.empty()) return std::nullopt;
  return std::any_of(fit.begin(), fit.end(),
                     [&](uint16_t id) { return has(hello->signature_algorithms, id) && (!own || has(*own, id)); });
}

std::string group_fix(const Evidence& e, const std::vector<uint16_t>& server_groups, bool tls13_shared) {
  for (auto id : server_groups) {
    const tls::NamedGroup* group = tls::named_group(id);
    if (group == nullptr || group->mbedtls_macro.empty() || !tls::serves_tls12_ecdhe(id)) continue;
    return fmt::format(
        "Enable a group the server accepts: #define {} in {} (and keep it in the client's curve list); or let the "
        "server accept one of the client's.",
        group->mbedtls_macro, e.profile_file);
  }
  const bool ffdhe = std::any_of(server_groups.begin(), server_groups.end(), [](uint16_t id) {
    const tls::NamedGroup* group = tls::named_group(id);
    return group != nullptr && group->ffdhe;
  });
  const std::string named = group_list(server_groups);
  if (!ffdhe) {
    return fmt::format(
        "Mbed TLS has no config line for the server's groups ({}): have the server accept an elliptic "
        "curve the device offers (P-256, X25519).",
        named);
  }
  if (!mbedtls_line(e).has_tls1_3) {
    return fmt::format(
        "Mbed TLS {} has neither TLS 1.3 nor the finite-field groups ({}), so no config line helps: "
        "have the server accept an elliptic curve the device offers (P-256, X25519).",
        e.build.mbedtls_line, named);
  }
  if (!tls13_shared) {
    return fmt::format(
        "Over TLS 1.2 only elliptic curves serve ECDHE: have the server accept one the device offers "
        "(P-256, X25519), or let both sides use TLS 1.3, where Mbed TLS {} takes {} with "
        "MBEDTLS_DHM_C.",
        e.build.mbedtls_line, named);
  }
  return fmt::format(
      "#define MBEDTLS_DHM_C in {}: Mbed TLS {} then offers the RFC 7919 groups ({}) over TLS 1.3; or "
      "have the server accept an elliptic curve the device offers.",
      e.profile_file, e.build.mbedtls_line, named);
}

}  // namespace shakedown::diagnosis

#include "client_loader.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "shakedown/tls/cipher_suite.h"
#include "shakedown/tls/mbedtls_line.h"
#include "shakedown/tls/version.h"

namespace shakedown::scenario {
namespace {

using protocol::ClientOptionRow;

template <typename T>
void load_number(const Fields& f, const ClientOptionRow& row, T& out) {
  if (row.key.empty()) return;  // not a scenario's to choose
  const std::string key(row.key);
  const long value = f.integer(key, row.fallback, row.min, row.max);
  if (!row.accepts(static_cast<uint32_t>(value))) {
    std::vector<std::string> allowed;
    for (size_t i = 0; i < row.value_count; ++i) allowed.push_back(std::to_string(row.values[i]));
    const std::string last = allowed.back();
    allowed.pop_back();
    f.fail(f.get(key), fmt::format("'{}' in client must be {}{}{}", key, fmt::join(allowed, ", "),
                                   allowed.empty() ? "" : " or ", last));
  }
  out = static_cast<T>(value);
}

void load_choice(const Fields& f, const ClientOptionRow& row, uint8_t& out) {
  const std::vector<std::string> names(row.names.begin(), row.names.begin() + static_cast<long>(row.name_count));
  const std::string value = f.one_of(std::string(row.key), names[row.fallback], names, "client");
  out = static_cast<uint8_t>(std::find(names.begin(), names.end(), value) - names.begin());
}

// The special rows and scenario keys, each by its field's name.
using Lines = std::vector<std::string>;

void load_hostname(const Fields& f, const ClientOptionRow& row, ClientSpec& spec, Lines&) {
  spec.hostname = f.string(std::string(row.key));
  spec.device.hostname = spec.hostname;
}

void load_mbedtls(const Fields& f, const ClientOptionRow& row, ClientSpec&, Lines& lines) {
  const std::string key(row.key);
  lines = f.strings(key, {"3.6", "2.28"});
  if (lines.empty()) f.fail(f.get(key), "'mbedtls' in client must name at least one line");
  const std::vector<std::string> known = {tls::kMbedtls2_28.name(), tls::kMbedtls3_6.name()};
  for (const auto& line : lines) {
    if (std::find(known.begin(), known.end(), line) == known.end()) {
      f.fail(f.get(key),
             fmt::format("'mbedtls' in client: no Mbed TLS line '{}' (expected {})", line, fmt::join(known, " or ")));
    }
  }
}

void load_time(const Fields& f, const ClientOptionRow& row, ClientSpec& spec, Lines&) {
  const std::string key(row.key);
  std::string& time = spec.device.time;
  time = f.string(key, "now");
  if (time != "now" && time != "unset" && time.find_first_not_of("0123456789") != std::string::npos) {
    f.fail(f.get(key), "'time' in client must be now, unset or seconds since 1970");
  }
}

void load_versions(const Fields& f, const ClientOptionRow& row, ClientSpec& spec, Lines&) {
  const std::string key(row.key);
  if (!f.has(key)) return;
  std::vector<uint16_t> wire;
  for (const auto& v : f.strings(key)) {
    const auto version = tls::parse_config_name(v);
    if (!version) {
      f.fail(f.get(key), fmt::format("unknown version '{}' in client.versions (expected one of: {})", v,
                                     fmt::join(tls::config_names(), ", ")));
    }
    wire.push_back(tls::wire_id(*version));
  }
  if (wire.empty()) f.fail(f.get(key), "'versions' in client must name at least one version");
  spec.device.min_version = *std::min_element(wire.begin(), wire.end());
  spec.device.max_version = *std::max_element(wire.begin(), wire.end());
}

void load_ciphersuites(const Fields& f, const ClientOptionRow& row, ClientSpec& spec, Lines&) {
  const std::string key(row.key);
  if (!f.has(key)) return;
  spec.ciphersuites_line = f.get(key).Mark().line + 1;
  for (const auto& suite : f.strings(key)) {
    const auto id = tls::parse_cipher_suite(suite);
    if (!id) {
      f.fail(f.get(key), fmt::format("'ciphersuites' in client: '{}' is no cipher suite (give its IANA id such as "
                                     "c02b, or its IANA, OpenSSL or Mbed TLS name)",
                                     suite));
    }
    spec.device.ciphersuites.push_back(*id);
  }
}

// After hostname (the rows' order): `sni: false` sends none.
void load_sni(const Fields& f, const ClientOptionRow& row, ClientSpec& spec, Lines&) {
  if (!f.boolean(std::string(row.key), true)) spec.device.hostname.clear();
}

void load_first_request(const Fields& f, const ClientOptionRow& row, ClientSpec& spec, Lines&) {
  if (f.boolean(std::string(row.key), false)) spec.device.first_request = kFirstRequest;
}

void load_psk(const Fields& f, const ClientOptionRow& row, ClientSpec& spec, Lines&) {
  const std::string key(row.key);
  if (!f.has(key)) return;
  auto psk = scenario::load_psk(f, key);
  spec.device.psk_identity = std::move(psk.identity);
  spec.device.psk_key = std::move(psk.key);
}

}  // namespace

servers::PreSharedKey load_psk(const Fields& section, const std::string& key) {
  const std::string where = section.where() + "." + key;
  Fields f(section.file(), section.get(key), where, {"identity", "key"});
  servers::PreSharedKey psk{f.string("identity"), f.hex_bytes("key", 1, 64)};
  if (psk.identity.empty() || psk.identity.size() > 128) {
    f.fail(f.get("identity"),
           fmt::format("'identity' in {} must be 1 to 128 bytes (got {})", where, psk.identity.size()));
  }
  return psk;
}

std::vector<std::string> client_keys() {
  std::vector<std::string> keys;
  for (const ClientOptionRow& row : protocol::kClientOptions) {
    if (!row.key.empty()) keys.emplace_back(row.key);
  }
  return keys;
}

void load_client(const Fields& f, ClientSpec& spec, std::vector<std::string>& lines) {
  namespace option = protocol::client_option;
#define SHAKEDOWN_NUMBER(field, ...) load_number(f, option::field, spec.device.field);
#define SHAKEDOWN_CHOICE(field, ...) load_choice(f, option::field, spec.device.field);
#define SHAKEDOWN_SPECIAL(field, ...) load_##field(f, option::field, spec, lines);
#define SHAKEDOWN_SCENARIO_KEY(field, ...) load_##field(f, option::field, spec, lines);
#include "shakedown/protocol/client_options.def"
}

}  // namespace shakedown::scenario

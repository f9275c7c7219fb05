#include "device_config.h"

#include <string>

namespace shakedown::device {
namespace {

using protocol::ClientOptionRow;
using protocol::TlvWriter;

// Numbers and choices: in the row's width, unless the row leaves its default unsent.
bool encode_number(TlvWriter& w, const ClientOptionRow& row, uint32_t value) {
  if (row.sent == protocol::Sent::kUnlessDefault && value == row.fallback) return true;
  switch (row.width) {
    case 1: return w.put_u8(row.tag, static_cast<uint8_t>(value));
    case 2: return w.put_u16(row.tag, static_cast<uint16_t>(value));
    default: return w.put_u32(row.tag, value);
  }
}

// The special rows, each by its field's name.
bool encode_hostname(TlvWriter& w, const ClientOptionRow& row, const DeviceConfig& c) {
  return c.hostname.empty() || w.put_str(row.tag, c.hostname);
}

bool encode_ciphersuites(TlvWriter& w, const ClientOptionRow& row, const DeviceConfig& c) {
  return c.ciphersuites.empty() || w.put_u16_list(row.tag, c.ciphersuites);
}

bool encode_versions(TlvWriter& w, const ClientOptionRow& row, const DeviceConfig& c) {
  const uint8_t min_tag = row.tag, max_tag = row.last_tag;
  return (!c.min_version || w.put_u16(min_tag, *c.min_version)) &&
         (!c.max_version || w.put_u16(max_tag, *c.max_version));
}

bool encode_time(TlvWriter& w, const ClientOptionRow& row, const DeviceConfig& c) {
  const uint8_t wall_time = row.tag, unset = row.last_tag;
  if (c.time == "now") return true;
  if (c.time == "unset") return w.put_u8(unset, 1);
  return w.put_i64(wall_time, std::stoll(c.time));
}

bool encode_first_request(TlvWriter& w, const ClientOptionRow& row, const DeviceConfig& c) {
  return c.first_request.empty() ||
         w.put_bytes(row.tag, {reinterpret_cast<const uint8_t*>(c.first_request.data()), c.first_request.size()});
}

bool encode_psk(TlvWriter& w, const ClientOptionRow& row, const DeviceConfig& c) {
  const uint8_t identity = row.tag, key = row.last_tag;
  return c.psk_key.empty() || (w.put_str(identity, c.psk_identity) && w.put_bytes(key, c.psk_key));
}

}  // namespace

bool encode_configure(const DeviceConfig& c, TlvWriter& w) {
  namespace option = protocol::client_option;
  bool ok = true;
  for (unsigned tag = 1; tag <= protocol::kLastConfigureTag; ++tag) {
#define SHAKEDOWN_NUMBER(field, ...) \
  if (tag == option::field.tag) ok = ok && encode_number(w, option::field, c.field);
#define SHAKEDOWN_CHOICE(field, ...) \
  if (tag == option::field.tag) ok = ok && encode_number(w, option::field, c.field);
#define SHAKEDOWN_SPECIAL(field, ...) \
  if (tag == option::field.tag) ok = ok && encode_##field(w, option::field, c);
#include "shakedown/protocol/client_options.def"
  }
  return ok && w.ok();
}

}  // namespace shakedown::device

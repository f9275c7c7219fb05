#include "wording.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "shakedown/tls/cipher_suite.h"
#include "shakedown/tls/named_group.h"

namespace shakedown::diagnosis {

using device::format_code;

// mbedtls_ssl_states: the first sixteen are the same on 2.28 and 3.6.
std::string waiting_for(int state) {
  switch (state) {
    case 1: return "while sending its ClientHello";
    case 2: return "waiting for the ServerHello";
    case 3: return "waiting for the server's Certificate";
    case 4: return "waiting for the ServerKeyExchange";
    case 5: return "waiting for a CertificateRequest or the ServerHelloDone";
    case 6: return "waiting for the ServerHelloDone";
    case 12: return "waiting for the server's ChangeCipherSpec";
    case 13: return "waiting for the server's Finished";
    default: return fmt::format("in client state {}", state);
  }
}

bool state_shown(const Evidence& e) {
  return e.log == nullptr || e.log->state_shown;
}

std::string client_line(const Evidence& e) {
  const auto& c = e.client;
  if (c.stage == tls::Stage::kExchange) {
    return fmt::format("client: {} returned {} ({}) after the handshake completed", c.failed_call,
                       format_code(c.result), c.result_name);
  }
  // A client state only inside the handshake: before it there is none.
  return fmt::format(
      "client: {} returned {} ({}) at {}{}", c.failed_call, format_code(c.result), c.result_name,
      tls::stage_name(c.stage),
      c.stage == tls::Stage::kHandshake && state_shown(e) ? fmt::format(", client state {}", c.handshake_state) : "");
}

std::string suite_label(uint16_t id) {
  return tls::describe_suite(id);
}

std::string suite_list(const std::vector<uint16_t>& ids) {
  std::vector<std::string> labels;
  for (auto id : ids) labels.push_back(suite_label(id));
  return fmt::format("{}", fmt::join(labels, ", "));
}

std::string hex_list(const std::vector<uint16_t>& ids) {
  constexpr size_t kShown = 6;
  std::vector<std::string> out;
  for (size_t i = 0; i < ids.size() && i < kShown; ++i) out.push_back(fmt::format("{:04x}", ids[i]));
  if (ids.size() > kShown) return fmt::format("{} and {} more", fmt::join(out, ", "), ids.size() - kShown);
  if (out.size() < 2) return fmt::format("{}", fmt::join(out, ""));
  const std::string last = out.back();
  out.pop_back();
  return fmt::format("{} and {}", fmt::join(out, ", "), last);
}

size_t next_buffer_size(size_t needed) {
  constexpr size_t kMaxRecordContent = 16384;
  size_t size = 512;
  while (size < needed && size < kMaxRecordContent) size *= 2;
  return size;
}

std::string group_list(const std::vector<uint16_t>& ids) {
  std::vector<std::string> names;
  for (auto id : ids) names.push_back(tls::group_name(id));
  return fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace shakedown::diagnosis

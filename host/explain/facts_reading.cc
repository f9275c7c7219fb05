#include "facts_reading.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "client_hello_decode.h"
#include "log_text.h"
#include "shakedown/tls/version.h"

namespace shakedown::explain {

void Reading::event(size_t line, std::string kind, std::string text) {
  if (current.timeline.size() >= LogFactsBuilder::kMaxTimeline) {
    ++current.timeline_dropped;
    return;
  }
  current.timeline.push_back({line, std::move(kind), std::move(text)});
}

void Reading::cite(Fact fact, size_t line) {
  auto& lines = current.lines[fact];
  if (lines.size() < 64 && (lines.empty() || lines.back() != line)) lines.push_back(line);
}

void Reading::start_attempt(size_t line, std::string_view what) {
  end_attempt();
  current = LogFacts{};
  ++attempts;
  event(line, "state", std::string(what));
}

void Reading::end_attempt() {
  if (current.timeline.empty() && !current.result_known) return;
  // The latest failure is explained; a later success does not hide it.
  const bool failed = current.result_known && current.report.result != 0;
  const bool same_as_last = !episodes.empty() && episodes.back().report.result == current.report.result &&
                            episodes.back().report.failed_call == current.report.failed_call;
  if (!failed) {
    last_success = std::move(current);
  } else if (same_as_last || episodes.size() == kMaxEpisodes) {
    episodes.back() = std::move(current);
  } else {
    episodes.push_back(std::move(current));
  }
  current = LogFacts{};
}

void Reading::set_result(size_t line, const std::string& call, int32_t code, bool from_application,
                         const std::string& statement) {
  if (current.result_known && current.report.failed_call.starts_with("mbedtls_") && !from_application) return;
  current.result_from_application = from_application;
  current.report.result = code;
  current.report.failed_call = call;
  current.report.result_name.clear();
  current.result_known = true;
  auto& cited = current.lines[Fact::kResult];
  if (from_application || cited.empty() || code != last_code) {
    event(line, "error",
          statement.empty() ? fmt::format("{} returned {}", call, device::format_code(code)) : statement);
  }
  last_code = code;
  cited = {line};
}

bool Reading::take_dump_row(const LogLine& line) {
  auto row = hex_row(line.text);
  if (!row) return false;
  auto& [offset, bytes] = *row;
  if (offset && *offset != dump->bytes.size() && *offset < kMaxDumpBytes) {
    dump->bytes.resize(*offset);  // a lost row: keep positions right
  }
  for (uint8_t b : bytes) {
    if (dump->bytes.size() < std::min(dump->expected, kMaxDumpBytes)) dump->bytes.push_back(b);
  }
  if (dump->bytes.size() >= dump->expected) finish_dump();
  return true;
}

void Reading::finish_dump() {
  if (!dump) return;
  Dump d = std::move(*dump);
  dump.reset();
  if (d.name == "server hello, version" && d.bytes.size() == 2) {
    current.report.version = tls::mbedtls_name(static_cast<uint16_t>(d.bytes[0] << 8 | d.bytes[1]));
    cite(Fact::kVersion, d.line);
    return;
  }
  if (d.name.find("output record") != std::string::npos || d.name == "client hello") {
    if (current.log.client_hello && !current.client_hello_from_dump &&
        !current.log.client_hello->cipher_suites.empty()) {
      return;  // the text lines already said it
    }
    if (auto hello = decode_client_hello(d.bytes)) {
      const bool had = current.log.client_hello.has_value();
      current.log.client_hello = std::move(*hello);
      current.client_hello_from_dump = true;
      auto& offered = current.report.offered_suites;
      if (offered.empty()) {
        for (uint16_t s : current.log.client_hello->cipher_suites) {
          if (s != 0x00ff && s != 0x5600) offered.push_back(s);
        }
      }
      if (current.hostname.empty()) current.hostname = current.log.client_hello->server_name;
      cite(Fact::kClientHello, d.line);
      cite(Fact::kSuites, d.line);
      if (!had) {
        event(d.line, "client-hello",
              fmt::format("ClientHello decoded from the record dump: {} suites, SNI {}", offered.size(),
                          current.hostname.empty() ? "none" : current.hostname));
      }
    }
    return;
  }
  if (d.name.find("input record") != std::string::npos && d.bytes.size() >= 7 && d.bytes[0] == 21) {
    // A plaintext alert the text lines may have lost.
    if (current.report.alerts_received.empty()) {
      current.report.alerts_received.push_back({d.bytes[5], d.bytes[6]});
      cite(Fact::kAlertIn, d.line);
    }
  }
}

servers::ClientHelloCapture& Reading::text_hello() {
  if (!current.log.client_hello) current.log.client_hello = servers::ClientHelloCapture{};
  return *current.log.client_hello;
}

void Reading::take_certificate_line(const LogLine& line) {
  if (!cert) return;
  std::string_view t = line.text;
  const size_t colon = t.find(" : ");
  if (colon == std::string_view::npos) return;
  std::string_view key = trim(t.substr(0, colon)), value = trim(t.substr(colon + 3));
  if (key == "subject name") cert->subject = std::string(value);
  if (key == "issuer name") cert->issuer = std::string(value);
  if (key == "signed using") {
    cert->signature_md = std::string(value);
    // "RSA with SHA1", "ECDSA with SHA256", "RSASSA-PSS (SHA256, ...)"
    if (auto with = after(value, "with "); !with.empty()) {
      std::string md(with.substr(0, with.find(' ')));
      std::transform(md.begin(), md.end(), md.begin(), [](unsigned char c) { return std::tolower(c); });
      cert->signature_md = md;
    }
  }
  if (key.ends_with("key size")) {
    cert->key_type = std::string(key.substr(0, key.find(' ')));
    if (auto bits = number(value.substr(0, value.find(' ')))) cert->key_bits = static_cast<int>(*bits);
  }
  cite(Fact::kCertificates, line.number);
}

void Reading::end_certificate(size_t line) {
  in_certificate = false;
  if (cert && current.report.peer_chain.size() < kMaxCertificates) {
    current.report.peer_chain.push_back(*cert);
    event(line, "certificate",
          fmt::format("server certificate #{}: {} ({} {} bits, {})", cert->depth + 1, cert->subject, cert->key_type,
                      cert->key_bits, cert->signature_md));
  }
  cert.reset();
}

}  // namespace shakedown::explain

#include "log_facts.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "client_hello_decode.h"

namespace shakedown::explain {
namespace {

constexpr size_t kMaxSuites = 512;
constexpr size_t kMaxCertificates = 16;
constexpr size_t kMaxDumpBytes = 1 << 16;

// Mbed TLS's handshake states, in enum order (mbedtls_ssl_states; the first
// sixteen are the same on 2.28 and 3.6, 3.6 adds the rest).
constexpr std::array<std::string_view, 30> kStates = {
    "HELLO_REQUEST",
    "CLIENT_HELLO",
    "SERVER_HELLO",
    "SERVER_CERTIFICATE",
    "SERVER_KEY_EXCHANGE",
    "CERTIFICATE_REQUEST",
    "SERVER_HELLO_DONE",
    "CLIENT_CERTIFICATE",
    "CLIENT_KEY_EXCHANGE",
    "CERTIFICATE_VERIFY",
    "CLIENT_CHANGE_CIPHER_SPEC",
    "CLIENT_FINISHED",
    "SERVER_CHANGE_CIPHER_SPEC",
    "SERVER_FINISHED",
    "FLUSH_BUFFERS",
    "HANDSHAKE_WRAPUP",
    "NEW_SESSION_TICKET",
    "SERVER_HELLO_VERIFY_REQUEST_SENT",
    "HELLO_RETRY_REQUEST",
    "ENCRYPTED_EXTENSIONS",
    "END_OF_EARLY_DATA",
    "CLIENT_CERTIFICATE_VERIFY",
    "CLIENT_CCS_AFTER_SERVER_FINISHED",
    "CLIENT_CCS_BEFORE_2ND_CLIENT_HELLO",
    "SERVER_CCS_AFTER_SERVER_HELLO",
    "CLIENT_CCS_AFTER_CLIENT_HELLO",
    "SERVER_CCS_AFTER_HELLO_RETRY_REQUEST",
    "HANDSHAKE_OVER",
    "TLS1_3_NEW_SESSION_TICKET",
    "TLS1_3_NEW_SESSION_TICKET_FLUSH",
};

// The x509_crt_verify_info() sentences an application prints, and their bits.
struct VerifyPhrase {
  const char* phrase;
  uint32_t bit;
};
constexpr std::array kVerifyPhrases = {
    VerifyPhrase{"validity has expired", 0x01},
    VerifyPhrase{"has been revoked", 0x02},
    VerifyPhrase{"does not match with the expected CN", 0x04},
    VerifyPhrase{"not correctly signed by the trusted CA", 0x08},
    VerifyPhrase{"Certificate was missing", 0x40},
    VerifyPhrase{"verification was skipped", 0x80},
    VerifyPhrase{"validity starts in the future", 0x200},
    VerifyPhrase{"does not match the keyUsage", 0x800},
    VerifyPhrase{"does not match the extendedKeyUsage", 0x1000},
    VerifyPhrase{"unacceptable hash", 0x4000},
    VerifyPhrase{"unacceptable PK alg", 0x8000},
    VerifyPhrase{"unacceptable key", 0x10000},
};

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string_view after(std::string_view s, std::string_view marker) {
  const size_t at = s.find(marker);
  return at == std::string_view::npos ? std::string_view{} : s.substr(at + marker.size());
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '"' || s.front() == '\'')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '"' || s.back() == '\'' || s.back() == '.')) s.remove_suffix(1);
  return s;
}

// A number as logs write them: "42", "0x2a", "-0x0050", "c02b" (hex
// without prefix only when `bare_hex`).
std::optional<int64_t> number(std::string_view s, bool bare_hex = false) {
  s = trim(s);
  bool negative = false;
  if (!s.empty() && s.front() == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  int base = bare_hex ? 16 : 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc{} || end == s.data()) return std::nullopt;
  return negative ? -v : v;
}

// "[3:3]" or "[0x3:0x3]" -> 0x0303.
std::optional<uint16_t> bracket_version(std::string_view s) {
  const size_t open = s.find('['), colon = s.find(':', open), close = s.find(']', colon);
  if (open == std::string_view::npos || colon == std::string_view::npos || close == std::string_view::npos) {
    return std::nullopt;
  }
  auto major = number(s.substr(open + 1, colon - open - 1));
  auto minor = number(s.substr(colon + 1, close - colon - 1));
  if (!major || !minor || *major < 0 || *major > 255 || *minor < 0 || *minor > 255) return std::nullopt;
  return static_cast<uint16_t>(*major << 8 | *minor);
}

std::string version_text(uint16_t v) {
  switch (v) {
    case 0x0301: return "TLSv1.0";
    case 0x0302: return "TLSv1.1";
    case 0x0303: return "TLSv1.2";
    case 0x0304: return "TLSv1.3";
    default: return fmt::format("0x{:04x}", v);
  }
}

// "x509_verify_cert() returned -9984 (-0x2700)" -> {"x509_verify_cert", -0x2700}.
struct Returned {
  std::string call;
  int64_t code;
};
std::optional<Returned> returned(std::string_view text) {
  const size_t at = text.find("returned");
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = text.substr(at + 8);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == ':' || rest.front() == '=')) rest.remove_prefix(1);
  size_t end = 0;
  while (end < rest.size() && rest[end] != ' ' && rest[end] != '(' && rest[end] != ',') ++end;
  auto code = number(rest.substr(0, end));
  // "-9984 (-0x2700)": the hex form in brackets says the same; prefer it.
  if (const size_t open = rest.find("(-0x"); open != std::string_view::npos && open < 16) {
    const size_t close = rest.find(')', open);
    if (auto hex = number(rest.substr(open + 1, close == std::string_view::npos ? 8 : close - open - 1))) code = hex;
  }
  if (!code) return std::nullopt;
  std::string_view before = text.substr(0, at);
  while (!before.empty() && (before.back() == ' ' || before.back() == ')' || before.back() == '(')) {
    before.remove_suffix(1);
  }
  size_t start = before.size();
  while (start > 0 && (std::isalnum(static_cast<unsigned char>(before[start - 1])) != 0 ||
                       before[start - 1] == '_' || before[start - 1] == '>' || before[start - 1] == '-' ||
                       before[start - 1] == '(' || before[start - 1] == ')')) {
    --start;
  }
  std::string call(before.substr(start));
  while (!call.empty() && (call.back() == '(' || call.back() == ')')) call.pop_back();
  return Returned{call, *code};
}

std::string stage_for_call(const std::string& call) {
  if (call.find("x509_crt_parse") != std::string::npos || call.find("pk_parse") != std::string::npos) {
    return "load-trust";
  }
  if (call.find("connect") != std::string::npos) return "connect";
  if (call.find("handshake") != std::string::npos) return "handshake";
  if (call.find("ssl_setup") != std::string::npos || call.find("config_defaults") != std::string::npos ||
      call.find("drbg_seed") != std::string::npos || call.find("set_hostname") != std::string::npos) {
    return "setup";
  }
  return "handshake";
}

// The "0000:  16 03 01 ..." rows of Mbed TLS's buffer dumps, forgiving of
// lost offsets, collapsed spaces and a missing ASCII column.
std::optional<std::pair<std::optional<size_t>, std::vector<uint8_t>>> hex_row(std::string_view text) {
  std::optional<size_t> offset;
  if (text.size() >= 5 && text[4] == ':' && std::all_of(text.begin(), text.begin() + 4, [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) != 0;
      })) {
    offset = static_cast<size_t>(*number(text.substr(0, 4), true));
    text.remove_prefix(5);
  }
  std::vector<uint8_t> bytes;
  size_t i = 0;
  while (i < text.size() && bytes.size() < 16) {
    while (i < text.size() && text[i] == ' ') ++i;
    if (i + 2 > text.size()) break;
    const bool two_hex = std::isxdigit(static_cast<unsigned char>(text[i])) != 0 &&
                         std::isxdigit(static_cast<unsigned char>(text[i + 1])) != 0 &&
                         (i + 2 == text.size() || text[i + 2] == ' ');
    if (!two_hex) break;
    bytes.push_back(static_cast<uint8_t>(*number(text.substr(i, 2), true)));
    i += 2;
  }
  if (bytes.empty() || (!offset && bytes.size() < 2)) return std::nullopt;
  return std::make_pair(offset, std::move(bytes));
}

}  // namespace

int state_number(std::string_view name) {
  if (starts_with(name, "MBEDTLS_SSL_")) name.remove_prefix(12);
  for (size_t i = 0; i < kStates.size(); ++i) {
    if (kStates[i] == name) return static_cast<int>(i);
  }
  return -1;
}

void LogFactsBuilder::event(size_t line, std::string kind, std::string text) {
  if (current_.timeline.size() >= kMaxTimeline) {
    ++current_.timeline_dropped;
    return;
  }
  current_.timeline.push_back({line, std::move(kind), std::move(text)});
}

void LogFactsBuilder::cite(Fact fact, size_t line) {
  auto& lines = current_.lines[fact];
  if (lines.size() < 64 && (lines.empty() || lines.back() != line)) lines.push_back(line);
}

void LogFactsBuilder::start_attempt(size_t line) {
  end_attempt();
  current_ = LogFacts{};
  ++attempts_;
  event(line, "state", "handshake starts");
}

void LogFactsBuilder::end_attempt() {
  if (current_.timeline.empty() && !current_.result_known) return;
  // Keep the latest attempt that failed; a later success does not hide it.
  const bool failed = current_.result_known && current_.report.result != 0;
  const bool kept_failed = kept_ && kept_->result_known && kept_->report.result != 0;
  if (!kept_ || failed || !kept_failed) kept_ = std::move(current_);
  current_ = LogFacts{};
}

void LogFactsBuilder::set_result(size_t line, const std::string& call, int32_t code, bool from_application,
                                 const std::string& statement) {
  // An application's "! mbedtls_ssl_handshake returned" outranks the
  // library's inner returns; among the library's, the last one stands.
  if (current_.result_known && current_.report.failed_call.starts_with("mbedtls_") && !from_application) return;
  current_.result_from_application = from_application;
  current_.report.result = code;
  current_.report.failed_call = call;
  current_.report.result_name.clear();
  current_.result_known = true;
  auto& cited = current_.lines[Fact::kResult];
  if (from_application || cited.empty() || code != last_code_) {
    event(line, "error",
          statement.empty() ? fmt::format("{} returned {}", call, device::format_code(code)) : statement);
  }
  last_code_ = code;
  cited = {line};
}

void LogFactsBuilder::add(const LogLine& line) {
  if (line.from_mbedtls()) {
    mbedtls_seen_ = true;
    if (line.file == "ssl_cli.c") line_hint_ = "2.28";
    if (line.file == "ssl_client.c" || line.file.starts_with("ssl_tls12_") || line.file.starts_with("ssl_tls13_") ||
        line.file == "ssl_misc.h") {
      line_hint_ = "3.6";
    }
    // A statement cut by wrapping continues on a line without a prefix.
    unrecognised_.reset();
    if (!take_statement(line)) unrecognised_ = line;
    return;
  }
  if (unrecognised_) {
    LogLine joined = *unrecognised_;
    joined.text += (joined.text.ends_with(" ") ? "" : " ") + line.text;
    unrecognised_.reset();
    if (take_statement(joined)) return;
  }
  if (dump_ && take_dump_row(line)) return;
  take_application_line(line);
}

bool LogFactsBuilder::take_dump_row(const LogLine& line) {
  auto row = hex_row(line.text);
  if (!row) return false;
  auto& [offset, bytes] = *row;
  if (offset && *offset != dump_->bytes.size() && *offset < kMaxDumpBytes) {
    dump_->bytes.resize(*offset);  // a lost row: keep positions right
  }
  for (uint8_t b : bytes) {
    if (dump_->bytes.size() < std::min(dump_->expected, kMaxDumpBytes)) dump_->bytes.push_back(b);
  }
  if (dump_->bytes.size() >= dump_->expected) finish_dump();
  return true;
}

void LogFactsBuilder::finish_dump() {
  if (!dump_) return;
  Dump d = std::move(*dump_);
  dump_.reset();
  if (d.name == "server hello, version" && d.bytes.size() == 2) {
    current_.report.version = version_text(static_cast<uint16_t>(d.bytes[0] << 8 | d.bytes[1]));
    cite(Fact::kVersion, d.line);
    return;
  }
  if (d.name.find("output record") != std::string::npos || d.name == "client hello") {
    if (current_.log.client_hello && !current_.client_hello_from_dump && !current_.log.client_hello->cipher_suites.empty()) {
      return;  // the text lines already said it
    }
    if (auto hello = decode_client_hello(d.bytes)) {
      const bool had = current_.log.client_hello.has_value();
      current_.log.client_hello = std::move(*hello);
      current_.client_hello_from_dump = true;
      auto& offered = current_.report.offered_suites;
      if (offered.empty()) {
        for (uint16_t s : current_.log.client_hello->cipher_suites) {
          if (s != 0x00ff && s != 0x5600) offered.push_back(s);
        }
      }
      if (current_.hostname.empty()) current_.hostname = current_.log.client_hello->server_name;
      cite(Fact::kClientHello, d.line);
      cite(Fact::kSuites, d.line);
      if (!had) {
        event(d.line, "client-hello",
              fmt::format("ClientHello decoded from the record dump: {} suites, SNI {}", offered.size(),
                          current_.hostname.empty() ? "none" : current_.hostname));
      }
    }
    return;
  }
  if (d.name.find("input record") != std::string::npos && d.bytes.size() >= 7 && d.bytes[0] == 21) {
    // A plaintext alert the text lines may have lost.
    if (current_.report.alerts_received.empty()) {
      current_.report.alerts_received.push_back({d.bytes[5], d.bytes[6]});
      cite(Fact::kAlertIn, d.line);
    }
  }
}

servers::ClientHelloCapture& LogFactsBuilder::text_hello() {
  if (!current_.log.client_hello) current_.log.client_hello = servers::ClientHelloCapture{};
  return *current_.log.client_hello;
}

bool LogFactsBuilder::take_statement(const LogLine& line) {
  std::string_view t = line.text;
  const size_t n = line.number;

  if (dump_) {
    if (take_dump_row(line)) return true;
    finish_dump();
  }
  if (in_certificate_) {
    const size_t colon = t.find(" : ");
    if (colon != std::string_view::npos || starts_with(t, "dNSName") || starts_with(t, "value of")) {
      take_certificate_line(line);
      return true;
    }
    in_certificate_ = false;
    if (cert_ && current_.report.peer_chain.size() < kMaxCertificates) {
      current_.report.peer_chain.push_back(*cert_);
      event(n, "certificate",
            fmt::format("server certificate #{}: {} ({} {} bits, {})", cert_->depth + 1, cert_->subject,
                        cert_->key_type, cert_->key_bits, cert_->signature_md));
    }
    cert_.reset();
  }
  if (t == "=> handshake") {
    start_attempt(n);
    return true;
  }
  if (t == "<= read" && current_.handshake_completed && current_.report.result == 0) {
    current_.read_after_handshake = true;
    event(n, "data-in", "application data read after the handshake");
    return true;
  }
  if (t == "<= handshake" || t == "handshake: done" || t == "<= handshake wrapup") {
    if (!current_.result_known) {
      current_.report.result = 0;
      current_.report.stage = "done";
      current_.result_known = true;
      current_.handshake_completed = true;
      event(n, "done", "handshake complete");
    }
    return true;
  }
  if (starts_with(t, "dumping '")) {
    const size_t close = t.find('\'', 9);
    const size_t open = t.find('(', close == std::string_view::npos ? 9 : close);
    if (close == std::string_view::npos || open == std::string_view::npos) return false;
    auto size = number(t.substr(open + 1, t.find(' ', open) - open - 1));
    if (!size || *size < 0) return false;
    dump_ = Dump{std::string(t.substr(9, close - 9)), static_cast<size_t>(*size), {}, n};
    if (*size == 0) finish_dump();
    return true;
  }
  if (auto v = after(t, "client state: "); !v.empty()) {
    int state = -1;
    if (auto num = number(v)) {
      state = static_cast<int>(*num);
    } else {
      state = state_number(trim(v));
    }
    if (state >= 0 && state != current_.report.handshake_state) {
      // The handshake went on: an inner call's error before this was not
      // fatal (x509_verify_cert under MBEDTLS_SSL_VERIFY_OPTIONAL).
      if (current_.result_known && current_.report.result != 0 && !current_.result_from_application) {
        current_.result_known = false;
        current_.report.result = 0;
        current_.report.failed_call.clear();
      }
      current_.report.handshake_state = state;
      event(n, "state",
            fmt::format("client state {} ({})", state,
                        static_cast<size_t>(state) < kStates.size() ? kStates[static_cast<size_t>(state)] : "?"));
    }
    if (state >= 0) cite(Fact::kState, n);
    return state >= 0;
  }
  if (auto v = after(t, "add ciphersuite: "); !v.empty()) {
    std::string_view id = trim(v);
    id = id.substr(0, id.find_first_of(" ,("));
    auto suite = number(id, true);
    if (!suite) return false;
    auto& offered = current_.report.offered_suites;
    if (offered.size() < kMaxSuites && std::find(offered.begin(), offered.end(), *suite) == offered.end()) {
      offered.push_back(static_cast<uint16_t>(*suite));
    }
    if (!current_.log.client_hello || current_.client_hello_from_dump) {
      current_.log.client_hello = servers::ClientHelloCapture{};
      current_.client_hello_from_dump = false;
    }
    current_.log.client_hello->cipher_suites = offered;
    cite(Fact::kSuites, n);
    cite(Fact::kClientHello, n);
    return true;
  }
  if (auto v = after(t, "current time: "); !v.empty() && starts_with(t, "client hello")) {
    auto seconds = number(v);
    if (!seconds) return false;
    current_.time = *seconds == 0 ? "unset" : std::to_string(*seconds);
    current_.log.clock_known = true;
    cite(Fact::kClock, n);
    event(n, "clock", *seconds == 0 ? "the client's clock reads 0: it was never set"
                                    : fmt::format("the client's clock reads {} (seconds since 1970)", *seconds));
    return true;
  }
  if (auto v = after(t, "server name extension: "); !v.empty()) {
    current_.hostname = std::string(trim(v));
    text_hello().server_name = current_.hostname;
    cite(Fact::kHostname, n);
    return true;
  }
  if (auto v = after(t, "client hello, max version: "); !v.empty()) {
    if (auto version = bracket_version(v)) {
      text_hello().legacy_version = *version;
      current_.build.tls1_2 = *version >= 0x0303;
      cite(Fact::kVersion, n);
      event(n, "client-hello", fmt::format("ClientHello offers up to {}", version_text(*version)));
      return true;
    }
    return false;
  }
  if (auto v = after(t, "supported version: "); !v.empty() && !starts_with(t, "server")) {
    if (auto version = bracket_version(v)) {
      auto& versions = text_hello().supported_versions;
      if (versions.size() < 8) versions.push_back(*version);
      if (*version == 0x0304) current_.build.tls1_3 = true;
      if (*version == 0x0303) current_.build.tls1_2 = true;
      cite(Fact::kVersion, n);
      return true;
    }
    return false;
  }
  if (auto v = after(t, "NamedGroup: "); !v.empty()) {
    const size_t open = v.find("( ");
    if (auto id = open == std::string_view::npos ? std::nullopt : number(v.substr(open + 2), true)) {
      auto& groups = text_hello().groups;
      if (groups.size() < 32) groups.push_back(static_cast<uint16_t>(*id));
      return true;
    }
    return false;
  }
  if (auto v = after(t, "sent signature scheme ["); !v.empty()) {
    if (auto id = number(v.substr(0, v.find(']')))) {
      auto& algs = text_hello().signature_algorithms;
      if (algs.size() < 64) algs.push_back(static_cast<uint16_t>(*id));
      return true;
    }
    return false;
  }
  if (t.find("max_fragment_length extension") != std::string_view::npos && starts_with(t, "client hello")) {
    text_hello().max_fragment_length = -1;  // asked for; the size is not in the log
    return true;
  }
  if (auto v = after(t, "got an alert message, type: "); !v.empty()) {
    if (auto alert = bracket_version(v)) {
      current_.report.alerts_received.push_back({static_cast<uint8_t>(*alert >> 8), static_cast<uint8_t>(*alert)});
      cite(Fact::kAlertIn, n);
      event(n, "alert-in",
            fmt::format("alert received: level {} {} ({})", *alert >> 8, *alert & 0xff,
                        device::alert_name(static_cast<uint8_t>(*alert))));
      return true;
    }
    return false;
  }
  if (auto v = after(t, "send alert level="); !v.empty()) {
    auto level = number(v.substr(0, v.find(' ')));
    auto message = number(after(v, "message="));
    if (!level || !message) return false;
    current_.report.alerts_sent.push_back({static_cast<uint8_t>(*level), static_cast<uint8_t>(*message)});
    cite(Fact::kAlertOut, n);
    event(n, "alert-out",
          fmt::format("alert sent: level {} {} ({})", *level, *message,
                      device::alert_name(static_cast<uint8_t>(*message))));
    return true;
  }
  if (auto v = after(t, "input record: msgtype = "); !v.empty()) {
    auto type = number(v.substr(0, v.find(',')));
    auto length = number(after(v, "msglen = "));
    if (!type) return false;
    auto& r = current_.report;
    ++r.records_received;
    if (!length) {  // "msglen = zu": a printf without %zu (newlib-nano)
      cite(Fact::kRecords, n);
      return true;
    }
    r.bytes_received += static_cast<uint32_t>(*length) + 5;
    if (static_cast<uint32_t>(*length) > r.largest_record_received) {
      r.largest_record_received = static_cast<uint32_t>(*length);
      r.largest_record_type = static_cast<uint8_t>(*type);
      r.largest_record_handshake_type = -1;
    }
    cite(Fact::kRecords, n);
    event(n, "record-in", fmt::format("record received: type {}, {} bytes", *type, *length));
    return true;
  }
  if (auto v = after(t, "output record: msgtype = "); !v.empty()) {
    ++current_.report.records_sent;
    if (auto length = number(after(v, "msglen = "))) current_.report.bytes_sent += static_cast<uint32_t>(*length) + 5;
    return true;
  }
  if (auto v = after(t, "handshake message: msglen = "); !v.empty()) {
    auto length = number(v.substr(0, v.find(',')));
    auto type = number(after(v, "type = ").substr(0, after(v, "type = ").find(',')));
    auto& r = current_.report;
    if (auto hslen = number(after(v, "hslen = ")); hslen && *hslen > 0 && *hslen < (1 << 24)) {
      current_.log.largest_handshake_message = std::max(current_.log.largest_handshake_message, static_cast<size_t>(*hslen));
    }
    if (length && type && r.largest_record_handshake_type < 0 &&
        static_cast<uint32_t>(*length) == r.largest_record_received) {
      r.largest_record_handshake_type = static_cast<int>(*type);
    }
    return length && type;
  }
  if (auto v = after(t, "erification flags "); !v.empty()) {
    if (starts_with(v, "clear")) {
      current_.report.verify_flags = 0;
    } else if (auto flags = number(v.substr(0, v.find(' ')), true)) {
      current_.report.verify_flags = static_cast<uint32_t>(*flags);
      event(n, "verify", fmt::format("certificate verify flags {:08x}", *flags));
    } else {
      return false;
    }
    cite(Fact::kVerify, n);
    return true;
  }
  // No certificate to send: TLS 1.2 skips its CertificateVerify; TLS 1.3
  // goes from CLIENT_CERTIFICATE (7) straight to CLIENT_FINISHED (11).
  if (t == "<= skip write certificate verify" ||
      (starts_with(t, "handshake state: 7 ") && t.find("-> 11 ") != std::string_view::npos)) {
    current_.log.sent_no_certificate = true;
    return true;
  }
  // Mbed TLS's words for records and messages that do not fit; they hold
  // even where a newlib-nano printf left the sizes as "zu".
  if (t == "requesting more data than fits") {
    current_.log.input_overflow = true;
    cite(Fact::kRecords, n);
    event(n, "error", "the record does not fit the input buffer (\"requesting more data than fits\")");
    return true;
  }
  if (t.find("waiting for more handshake fragments") != std::string_view::npos) {
    current_.log.reassembling = true;
    cite(Fact::kRecords, n);
    return true;
  }
  if (t == "TLS handshake fragmentation not supported") {
    current_.log.fragmentation_unsupported = true;
    cite(Fact::kRecords, n);
    event(n, "error", std::string(t));
    return true;
  }
  if (starts_with(t, "handshake message too short")) {
    current_.log.message_too_short = true;
    cite(Fact::kRecords, n);
    event(n, "error", std::string(t));
    return true;
  }
  if (t == "got a certificate request" || starts_with(t, "CertificateRequest: ")) {
    if (!current_.log.certificate_requested) event(n, "state", "the server asks for a client certificate");
    current_.log.certificate_requested = true;
    cite(Fact::kState, n);
    return true;
  }
  if (starts_with(t, "peer certificate #")) {
    in_certificate_ = true;
    cert_ = device::PeerCertificate{};
    cert_->depth = static_cast<int>(current_.report.peer_chain.size());
    cite(Fact::kCertificates, n);
    return true;
  }
  if (auto v = after(t, "server hello, chosen ciphersuite: "); !v.empty()) {
    std::string_view id = trim(v);
    if (auto suite = number(id.substr(0, id.find_first_of(" ,(")), true)) {
      current_.report.suite_id = static_cast<uint16_t>(*suite);
    } else {
      current_.report.suite = std::string(id);
    }
    event(n, "state", fmt::format("ServerHello chose {}", id));
    return true;
  }
  if (t.find("supported_versions(43) extension received") != std::string_view::npos && starts_with(t, "ServerHello")) {
    current_.report.version = "TLSv1.3";
    cite(Fact::kVersion, n);
    return true;
  }
  if (starts_with(t, "alloc(") && t.find("failed") != std::string_view::npos) {
    cite(Fact::kHeap, n);
    event(n, "error", std::string(t));
    return true;
  }
  if (auto r = returned(t); r && r->code < 0 && r->code > -0x10000) {
    set_result(n, r->call.empty() ? "mbedtls_ssl_handshake" : r->call, static_cast<int32_t>(r->code), false,
               std::string(t));
    return true;
  }
  if (auto r = returned(t)) return true;  // a byte count ("f_send() returned 157")
  // Nothing taken: maybe the first half of a wrapped statement.
  return false;
}

void LogFactsBuilder::take_certificate_line(const LogLine& line) {
  if (!cert_) return;
  std::string_view t = line.text;
  const size_t colon = t.find(" : ");
  if (colon == std::string_view::npos) return;
  std::string_view key = trim(t.substr(0, colon)), value = trim(t.substr(colon + 3));
  if (key == "subject name") cert_->subject = std::string(value);
  if (key == "issuer name") cert_->issuer = std::string(value);
  if (key == "signed using") {
    cert_->signature_md = std::string(value);
    // "RSA with SHA1", "ECDSA with SHA256", "RSASSA-PSS (SHA256, ...)"
    if (auto with = after(value, "with "); !with.empty()) {
      std::string md(with.substr(0, with.find(' ')));
      std::transform(md.begin(), md.end(), md.begin(), [](unsigned char c) { return std::tolower(c); });
      cert_->signature_md = md;
    }
  }
  if (key.ends_with("key size")) {
    cert_->key_type = std::string(key.substr(0, key.find(' ')));
    if (auto bits = number(value.substr(0, value.find(' ')))) cert_->key_bits = static_cast<int>(*bits);
  }
  cite(Fact::kCertificates, line.number);
}

void LogFactsBuilder::take_application_line(const LogLine& line) {
  std::string_view t = line.text;
  const size_t n = line.number;
  for (const auto& p : kVerifyPhrases) {
    if (t.find(p.phrase) != std::string_view::npos) {
      current_.report.verify_flags |= p.bit;
      cite(Fact::kVerify, n);
      event(n, "verify", std::string(trim(t.substr(t.find_first_not_of(" !")))));
      return;
    }
  }
  if (auto v = after(t, "peer certificate verify flags "); !v.empty()) {
    if (auto flags = number(v, true)) current_.report.verify_flags = static_cast<uint32_t>(*flags);
    cite(Fact::kVerify, n);
    return;
  }
  if (t.find("certificates of the trust chain skipped") != std::string_view::npos) {
    const size_t colon = t.find(": ");
    if (auto count = colon == std::string_view::npos ? std::nullopt : number(t.substr(colon + 2, t.find(' ', colon + 2) - colon - 2))) {
      current_.report.trust_parse_failures = static_cast<int>(*count);
      cite(Fact::kTrust, n);
      event(n, "note", fmt::format("{} certificates of the trust chain did not parse", *count));
    }
    return;
  }
  if (auto h = after(t, "heap: peak "); !h.empty()) {
    // shakedown's core: "heap: peak 22932 of a 26000-byte budget; arena 1048576" (short: forums wrap at 72).
    const size_t of = h.find(" of a "), arena_at = h.find("arena ");
    if (of != std::string_view::npos && arena_at != std::string_view::npos) {
      const auto peak = number(h.substr(0, h.find(' ')));
      const auto budget = number(h.substr(of + 6, h.find('-', of) - of - 6));
      const auto arena = number(trim(h.substr(arena_at + 6)));
      if (peak.has_value() && budget.has_value() && arena.has_value()) {
        const auto p = *peak, b = *budget, a = *arena;
        current_.report.heap_peak = static_cast<uint32_t>(p);
        current_.report.heap_budget = static_cast<uint32_t>(b);
        current_.build.heap_capacity = static_cast<uint32_t>(a);
        cite(Fact::kHeap, n);
        event(n, "note", fmt::format("heap: peak {} bytes of a {}-byte budget, in a {}-byte arena", p, b, a));
      }
    }
    return;
  }
  if (auto r = returned(t); r && r->code < 0 && r->code > -0x10000 && !r->call.empty()) {
    // An application's own line: "  ! mbedtls_ssl_handshake returned -0x50".
    if (current_.timeline.empty() && stage_for_call(r->call) == "load-trust") {
      // Before any handshake: the trust chain failed to load.
      start_attempt(n);
    }
    set_result(n, r->call, static_cast<int32_t>(r->code), true);
  }
}

LogFacts LogFactsBuilder::finish() {
  if (dump_) finish_dump();
  if (in_certificate_ && cert_ && current_.report.peer_chain.size() < kMaxCertificates) {
    current_.report.peer_chain.push_back(*cert_);
  }
  end_attempt();
  LogFacts facts = kept_ ? std::move(*kept_) : LogFacts{};
  // 3.x logs no "max version" line: its ClientHello always carries TLS 1.2
  // as the legacy version, and only TLS 1.3 adds supported_versions. Suites
  // without a supported version therefore mean TLS 1.2 alone.
  if (auto& hello = facts.log.client_hello; line_hint_ == "3.6" && hello && hello->legacy_version == 0 &&
                                            hello->supported_versions.empty() && !hello->cipher_suites.empty()) {
    hello->legacy_version = 0x0303;
    facts.build.tls1_2 = true;
  }
  facts.attempts = attempts_;
  facts.mbedtls_seen = mbedtls_seen_;
  auto& r = facts.report;
  if (facts.result_known && r.result != 0 && facts.handshake_completed) {
    r.stage = "exchange";
    // An inner call's code reaches the application through its read (or write).
    if (!facts.result_from_application) {
      r.failed_call = r.failed_call.find("write") != std::string::npos ? "mbedtls_ssl_write" : "mbedtls_ssl_read";
    }
  } else if (facts.result_known && r.result != 0) {
    r.stage = stage_for_call(r.failed_call);
    // An inner call's code ends the handshake: the application sees it from mbedtls_ssl_handshake.
    if (r.stage == "handshake") r.failed_call = "mbedtls_ssl_handshake";
  } else if (facts.result_known) {
    r.stage = "done";
  } else {
    r.stage = "handshake";  // the log ends mid-handshake
  }
  if ((r.stage == "done" || r.stage == "exchange") && r.version.empty()) {
    r.version = facts.log.client_hello && facts.log.client_hello->legacy_version == 0x0303 ? "TLSv1.2" : "";
  }
  // What the log shows of the build: its line, from the library's file
  // names; the suites it offered.
  facts.build.mbedtls_line = line_hint_;
  facts.build.ciphersuites = r.offered_suites;
  return facts;
}

}  // namespace shakedown::explain

// Statement handlers: records and handshake messages in and out, buffer
// dumps, alerts, and Mbed TLS's words for what does not fit.

#include <fmt/format.h>

#include <algorithm>

#include "log_text.h"
#include "shakedown/tls/alert.h"
#include "statement_handlers.h"

namespace shakedown::explain {

// "dumping 'input record from network' (7 bytes)": its rows follow (Reading::take_dump_row).
Take take_dump_start(Reading& r, const Statement& s) {
  const std::string_view t = s.text;
  const size_t name_at = s.pattern.size();
  const size_t close = t.find('\'', name_at);
  const size_t open = t.find('(', close == std::string_view::npos ? name_at : close);
  if (close == std::string_view::npos || open == std::string_view::npos) return Take::kMalformed;
  auto size = number(t.substr(open + 1, t.find(' ', open) - open - 1));
  if (!size || *size < 0) return Take::kMalformed;
  r.dump = Dump{std::string(t.substr(name_at, close - name_at)), static_cast<size_t>(*size), {}, s.line};
  if (*size == 0) r.finish_dump();
  return Take::kTaken;
}

// "got an alert message, type: [2:40]": level and description.
Take take_alert_received(Reading& r, const Statement& s) {
  auto alert = bracket_version(s.rest);
  if (!alert) return Take::kMalformed;
  r.current.report.alerts_received.push_back({static_cast<uint8_t>(*alert >> 8), static_cast<uint8_t>(*alert)});
  r.cite(Fact::kAlertIn, s.line);
  r.event(s.line, "alert-in",
          fmt::format("alert received: level {} {} ({})", *alert >> 8, *alert & 0xff,
                      tls::alert_name(static_cast<uint8_t>(*alert))));
  return Take::kTaken;
}

// "send alert level=2 message=40".
Take take_alert_sent(Reading& r, const Statement& s) {
  auto level = number(s.rest.substr(0, s.rest.find(' ')));
  auto message = number(after(s.rest, "message="));
  if (!level || !message) return Take::kMalformed;
  r.current.report.alerts_sent.push_back({static_cast<uint8_t>(*level), static_cast<uint8_t>(*message)});
  r.cite(Fact::kAlertOut, s.line);
  r.event(
      s.line, "alert-out",
      fmt::format("alert sent: level {} {} ({})", *level, *message, tls::alert_name(static_cast<uint8_t>(*message))));
  return Take::kTaken;
}

// "input record: msgtype = 22, version = [3:3], msglen = 93".
Take take_record_in(Reading& r, const Statement& s) {
  auto type = number(s.rest.substr(0, s.rest.find(',')));
  auto length = number(after(s.rest, "msglen = "));
  if (!type) return Take::kMalformed;
  auto& report = r.current.report;
  ++report.records_received;
  if (!length) {  // "msglen = zu": a printf without %zu (newlib-nano)
    r.cite(Fact::kRecords, s.line);
    return Take::kTaken;
  }
  report.bytes_received += static_cast<uint32_t>(*length) + 5;
  if (static_cast<uint32_t>(*length) > report.largest_record_received) {
    report.largest_record_received = static_cast<uint32_t>(*length);
    report.largest_record_type = static_cast<uint8_t>(*type);
    report.largest_record_handshake_type = -1;
  }
  r.cite(Fact::kRecords, s.line);
  r.event(s.line, "record-in", fmt::format("record received: type {}, {} bytes", *type, *length));
  return Take::kTaken;
}

Take take_record_out(Reading& r, const Statement& s) {
  ++r.current.report.records_sent;
  if (auto length = number(after(s.rest, "msglen = ")))
    r.current.report.bytes_sent += static_cast<uint32_t>(*length) + 5;
  return Take::kTaken;
}

// "handshake message: msglen = 4096, type = 11, hslen = 4096": which message the largest record held.
Take take_handshake_message(Reading& r, const Statement& s) {
  const std::string_view v = s.rest;
  auto length = number(v.substr(0, v.find(',')));
  auto type = number(after(v, "type = ").substr(0, after(v, "type = ").find(',')));
  auto& report = r.current.report;
  if (auto hslen = number(after(v, "hslen = ")); hslen && *hslen > 0 && *hslen < (1 << 24)) {
    r.current.log.largest_handshake_message =
        std::max(r.current.log.largest_handshake_message, static_cast<size_t>(*hslen));
  }
  if (length && type && report.largest_record_handshake_type < 0 &&
      static_cast<uint32_t>(*length) == report.largest_record_received) {
    report.largest_record_handshake_type = static_cast<int>(*type);
  }
  return length && type ? Take::kTaken : Take::kMalformed;
}

// Mbed TLS's words for records and messages that do not fit; they hold
// even where a newlib-nano printf left the sizes as "zu".
Take take_input_overflow(Reading& r, const Statement& s) {
  r.current.log.input_overflow = true;
  r.cite(Fact::kRecords, s.line);
  r.event(s.line, "error", "the record does not fit the input buffer (\"requesting more data than fits\")");
  return Take::kTaken;
}

Take take_reassembling(Reading& r, const Statement& s) {
  r.current.log.reassembling = true;
  r.cite(Fact::kRecords, s.line);
  return Take::kTaken;
}

Take take_fragmentation_unsupported(Reading& r, const Statement& s) {
  r.current.log.fragmentation_unsupported = true;
  r.cite(Fact::kRecords, s.line);
  r.event(s.line, "error", std::string(s.text));
  return Take::kTaken;
}

Take take_message_too_short(Reading& r, const Statement& s) {
  r.current.log.message_too_short = true;
  r.cite(Fact::kRecords, s.line);
  r.event(s.line, "error", std::string(s.text));
  return Take::kTaken;
}

}  // namespace shakedown::explain

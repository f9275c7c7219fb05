#pragma once
// A cell's ladder diagram: the device on the left, the server on the right,
// one arrow per handshake message (or record, once encrypted) in the order it
// crossed the wire, with its size and the time since the TCP accept, then
// how the connection ended (an alert, a TCP reset or close, the server giving
// up on a silent device). Drawn from the server's capture in results.json
// ("server": records, transcript, alerts, end), the one witness of both
// directions in wire order.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace shakedown::report_html {

struct LadderRow {
  enum class Kind { kMessage, kAlert, kGap, kEnd };
  Kind kind = Kind::kMessage;
  bool from_server = false;
  double at_ms = 0;
  std::string label;  // "Certificate · 2,845 B", "TCP reset (RST)"
  std::string what;   // the message or the end, for data-* attributes: "ServerHello", "reset"
  // Records in a row of their like (fragments of one message, application
  // data), drawn as one arrow: a server that sends 800 tiny records still
  // gives a ladder a person can read.
  size_t records = 1;
  long long bytes = 0;
};

// The rows of a capture ("server" in a cell of results.json), in order.
std::vector<LadderRow> ladder_rows(const nlohmann::json& server);

// The diagram as inline SVG; empty for a cell without a capture.
std::string ladder_svg(const nlohmann::json& server);

}  // namespace shakedown::report_html

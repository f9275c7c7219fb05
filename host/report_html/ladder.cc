#include "ladder.h"

#include <fmt/format.h>

#include <string_view>

#include "html.h"

namespace shakedown::report_html {
namespace {

using nlohmann::json;

// A pause this long between two steps is drawn as a gap of its own: a stall,
// a device computing, a side waiting for the other.
constexpr double kGapMs = 500;

std::string bytes_label(std::string_view what, const json& length) {
  return fmt::format("{} · {} B", what, grouped(length.get<long long>()));
}

// Records that are only more of the same: a message's fragments, encrypted
// data.
bool repeats(const std::string& what) {
  return what == "handshake" || what == "application_data";
}

// An encrypted record by its outer type. TLS 1.3 hides the real type (its
// encrypted handshake travels as application_data), so there it is only
// "encrypted", as it is when the version was never settled.
std::string encrypted_label(const std::string& type, const std::string& version) {
  const bool tls12_or_older = version.starts_with("TLSv1") && version != "TLSv1.3";
  if (type == "alert") return "encrypted alert";
  if (type == "handshake") return "encrypted handshake";
  return tls12_or_older ? "application data" : "encrypted record";
}

// How the connection ended, as the server saw it: who ended it and how.
// nullopt for an end already shown by its alert.
std::optional<LadderRow> end_row(const json& server) {
  const std::string end = text_of(server, "end");
  const std::string behaviour = text_of(server, "behaviour");
  const bool client_reset = server.value("client_reset", false);
  const double at = server.value("end_ms", 0.0);
  auto row = [at](bool from_server, std::string label, std::string what) {
    return LadderRow{LadderRow::Kind::kEnd, from_server, at, std::move(label), std::move(what)};
  };
  auto by_client = [&] {
    return client_reset ? row(false, "device resets the connection (RST)", "reset")
                        : row(false, "device closes the connection (FIN)", "close");
  };
  if (end == "failed-with-reset" || behaviour.starts_with("reset"))
    return row(true, "server resets the connection (RST)", "reset");
  if (end == "failed-with-close" || behaviour.starts_with("closed"))
    return row(true, "server closes the connection (FIN), no alert", "close");
  if (end == "timed-out") return row(true, "server gives up: the device went silent", "timeout");
  if (behaviour.starts_with("silent")) return row(true, "server stays silent", "silence");
  if (end == "failed-with-alert" || end == "client-closed" || end == "handshake-done" || end == "misbehaved") {
    return by_client();
  }
  return std::nullopt;
}

}  // namespace

std::vector<LadderRow> ladder_rows(const json& server) {
  std::vector<LadderRow> rows;
  if (!server.is_object()) return rows;
  const json empty = json::array();
  const json& records = server.contains("records") ? server["records"] : empty;
  const json& transcript = server.contains("transcript") ? server["transcript"] : empty;
  const json& alerts = server.contains("alerts") ? server["alerts"] : empty;
  const std::string version = text_of(server.value("negotiated", json::object()), "version");
  size_t alerts_used[2] = {0, 0};  // plaintext alerts shown, per direction: the n-th alert record is the n-th alert
  double last_ms = 0;
  auto add = [&](LadderRow row) {
    const bool gap = !rows.empty() && row.at_ms - last_ms >= kGapMs;
    if (!gap && !rows.empty() && repeats(row.what) && rows.back().what == row.what &&
        rows.back().from_server == row.from_server && rows.back().kind == row.kind) {
      LadderRow& run = rows.back();
      run.bytes += row.bytes;
      ++run.records;
      run.label = fmt::format("{} · {} records, {} B", run.label.substr(0, run.label.find(" · ")), run.records,
                              grouped(run.bytes));
      last_ms = row.at_ms;
      return;
    }
    if (gap) {
      rows.push_back({LadderRow::Kind::kGap, false, last_ms,
                      fmt::format("{} ms without a byte", grouped(static_cast<long long>(row.at_ms - last_ms))),
                      "gap"});
    }
    last_ms = row.at_ms;
    rows.push_back(std::move(row));
  };
  for (size_t i = 0; i < records.size(); ++i) {
    const json& r = records[i];
    const bool from_server = text_of(r, "from") == "server";
    const double at = r.value("at_ms", 0.0);
    const std::string type = text_of(r, "type");
    if (r.value("encrypted", false)) {
      add({LadderRow::Kind::kMessage, from_server, at, bytes_label(encrypted_label(type, version), r["length"]), type,
           1, r.value("length", 0LL)});
    } else if (type == "handshake") {
      bool any = false;
      for (const json& m : transcript) {
        if (m.value("record", -1) != static_cast<int>(i)) continue;
        add({LadderRow::Kind::kMessage, from_server, at, bytes_label(text_of(m, "type"), m["length"]),
             text_of(m, "type")});
        any = true;
      }
      if (!any) {
        add({LadderRow::Kind::kMessage, from_server, at, bytes_label("handshake, continued", r["length"]), type, 1,
             r.value("length", 0LL)});
      }
    } else if (type == "alert") {
      size_t seen = 0;
      std::string name = "alert";
      for (const json& a : alerts) {
        if ((text_of(a, "from") == "server") != from_server) continue;
        if (seen++ == alerts_used[from_server]) {
          name = fmt::format("{} alert: {}", a.value("level", 0) == 2 ? "fatal" : "warning", text_of(a, "name"));
          break;
        }
      }
      ++alerts_used[from_server];
      add({LadderRow::Kind::kAlert, from_server, at, name, "alert"});
    } else if (type == "change_cipher_spec") {
      add({LadderRow::Kind::kMessage, from_server, at, "ChangeCipherSpec", type});
    } else {
      add({LadderRow::Kind::kMessage, from_server, at, bytes_label(type, r["length"]), type});
    }
  }
  if (auto end = end_row(server)) add(std::move(*end));
  return rows;
}

std::string ladder_svg(const json& server) {
  const auto rows = ladder_rows(server);
  if (rows.empty()) return "";
  constexpr int kWidth = 600, kClient = 150, kServer = 500, kTop = 40, kStep = 26;
  const int height = kTop + static_cast<int>(rows.size()) * kStep + 10;
  std::string svg = fmt::format(
      "<svg class=\"ladder\" viewBox=\"0 0 {0} {1}\" width=\"{0}\" height=\"{1}\" role=\"img\" "
      "aria-label=\"ladder diagram: {2} steps\">"
      "<text x=\"{3}\" y=\"16\" text-anchor=\"middle\" font-weight=\"600\">device</text>"
      "<text x=\"{4}\" y=\"16\" text-anchor=\"middle\" font-weight=\"600\">server</text>"
      "<text class=\"time\" x=\"4\" y=\"16\">ms</text>"
      "<line class=\"lane\" x1=\"{3}\" y1=\"24\" x2=\"{3}\" y2=\"{1}\"/>"
      "<line class=\"lane\" x1=\"{4}\" y1=\"24\" x2=\"{4}\" y2=\"{1}\"/>",
      kWidth, height, rows.size(), kClient, kServer);
  int y = kTop;
  for (const auto& row : rows) {
    const int from = row.from_server ? kServer : kClient, to = row.from_server ? kClient : kServer;
    const int tip = row.from_server ? to + 9 : to - 9;
    const char* side = row.from_server ? "from-server" : "from-client";
    switch (row.kind) {
      case LadderRow::Kind::kGap:
        svg += fmt::format(
            "<g class=\"gap\" data-what=\"gap\"><line x1=\"{0}\" y1=\"{2}\" x2=\"{1}\" y2=\"{2}\"/>"
            "<text x=\"{3}\" y=\"{4}\" text-anchor=\"middle\" class=\"time\">{5}</text></g>",
            kClient, kServer, y, (kClient + kServer) / 2, y - 4, escape(row.label));
        break;
      case LadderRow::Kind::kEnd:
        svg += fmt::format(
            "<g class=\"end {0}\" data-what=\"{1}\" data-from=\"{2}\"><text class=\"time\" x=\"4\" y=\"{4}\">{3}</text>"
            "<line x1=\"{5}\" y1=\"{4}\" x2=\"{6}\" y2=\"{4}\"/>"
            "<text x=\"{7}\" y=\"{8}\" text-anchor=\"middle\" font-weight=\"600\">✕ {9}</text></g>",
            side, escape(row.what), row.from_server ? "server" : "device", fmt::format("{:.1f}", row.at_ms), y, from,
            to, (kClient + kServer) / 2, y - 5, escape(row.label));
        break;
      case LadderRow::Kind::kMessage:
      case LadderRow::Kind::kAlert:
        svg += fmt::format(
            "<g class=\"arrow {0}{1}\" data-what=\"{2}\" data-from=\"{3}\"><text class=\"time\" x=\"4\" "
            "y=\"{5}\">{4}</text>"
            "<line x1=\"{6}\" y1=\"{5}\" x2=\"{7}\" y2=\"{5}\"/>"
            "<polygon points=\"{8},{9} {10},{5} {8},{11}\"/>"
            "<text x=\"{12}\" y=\"{13}\" text-anchor=\"middle\">{14}</text></g>",
            side, row.kind == LadderRow::Kind::kAlert ? " alert" : "", escape(row.what),
            row.from_server ? "server" : "device", fmt::format("{:.1f}", row.at_ms), y, from, tip, tip, y - 4, to,
            y + 4, (kClient + kServer) / 2, y - 5, escape(row.label));
        break;
    }
    y += kStep;
  }
  svg += "</svg>";
  return svg;
}

}  // namespace shakedown::report_html

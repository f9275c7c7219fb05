#pragma once
// Lines outside Mbed TLS's output that carry a failure's cause without a
// code: a clock printed as 1970, a server given as an IP address, a port
// that speaks no TLS. A bare code's answer puts the cause such a line points
// at first (bare_codes.h, CodeCause::cue).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shakedown::explain {

// What a context line shows, and which line shows it.
template <typename T>
struct ShownAt {
  size_t line = 0;
  T value{};
};

// "Thu Jan  1 00:00:14 1970", "1970-01-01T00:00:03Z", "01.01.1970": a date
// in the first days of 1970, as clocks never set print it.
bool shows_1970(std::string_view line);

// The IPv4 address the line connects to ("Connecting to 52.28.11.7:8883",
// "mqtts://52.28.11.7"), not the device's own, its gateway's or its DNS or
// NTP server's ("sta ip: 192.168.1.50", "dns server: 8.8.8.8").
std::optional<std::string> server_address_in(std::string_view line);

// The port the line connects to, when it is one whose service speaks no
// TLS: 1883 (plain MQTT) and 80 (plain HTTP).
std::optional<uint16_t> plain_port_in(std::string_view line);

// The alert a line says the server sent, in Mbed TLS's words printed
// through a stack's own logger, without Mbed TLS's file and line (AWS IoT's
// "mbedTLS: |2| got an alert message, type: [2:42]", "is a fatal alert
// message (msg 42)").
std::optional<uint8_t> alert_received_in(std::string_view line);

}  // namespace shakedown::explain

// The lines beside a code that point at its cause, and the lines that look
// like them but do not.

#include "context_lines.h"

#include <catch2/catch.hpp>

using namespace shakedown::explain;

TEST_CASE("a server given by its IP address is read where the device connects to it") {
  CHECK(server_address_in("I (1902) app: Connecting to mqtts://52.28.11.7:8883") == "52.28.11.7");
  CHECK(server_address_in("[  3120][I] connecting to host 10.0.0.5 port 443") == "10.0.0.5");
  CHECK(server_address_in("Broker: 192.168.1.20") == "192.168.1.20");
}

TEST_CASE("the device's own address, its gateway and its DNS or NTP server are not the server") {
  for (const char* line : {"I (1893) esp_netif_handlers: sta ip: 192.168.1.50, mask: 255.255.255.0, gw: 192.168.1.1",
                           "dns server: 8.8.8.8", "[00:00:02.100,000] <inf> net_dhcpv4: Received: 192.168.1.5",
                           "SNTP server pool.ntp.org 162.159.200.1", "Connecting to broker.example.com:8883",
                           "connect to 300.1.2.3:443", "firmware version 1.2.3.4 connecting"}) {
    INFO(line);
    CHECK_FALSE(server_address_in(line));
  }
}

TEST_CASE("a port whose service speaks no TLS is read after a host or the word port") {
  CHECK(plain_port_in("Connecting to broker.example.com:1883 ...") == 1883);
  CHECK(plain_port_in("mqtt://broker:1883") == 1883);
  CHECK(plain_port_in("[00:00:03.210,000] <inf> app: Connecting to example.com port 80") == 80);
  CHECK(plain_port_in("connect(10.0.0.5:80)") == 80);
  CHECK(plain_port_in("MQTT port=1883") == 1883);
}

TEST_CASE("a source line number, a logger's field or another port is not a plain port") {
  for (const char* line :
       {"[  5120][E][ssl_client.cpp:80] _handle_error(): (-29312)",
        "Error: File:tlsio_mbedtls.c Func:on_io_recv Line:80 Tlsio_Failure", "Connecting to broker.example.com:8883",
        "Connecting to example.com:8080", "[00:00:05.120,000] <err> net_sock_tls: TLS handshake error: -0x7200",
        "transport 80 bytes", "support 1883"}) {
    INFO(line);
    CHECK_FALSE(plain_port_in(line));
  }
}

TEST_CASE("a date in the first days of 1970 is a clock never set") {
  CHECK(shows_1970("Time: Thu Jan  1 00:00:14 1970"));
  CHECK(shows_1970("now 1970-01-01T00:00:03Z"));
  CHECK_FALSE(shows_1970("built on 2019-06-01, protocol of 1970"));
}

TEST_CASE("an alert a stack's logger prints in Mbed TLS's words, without a file name, is read") {
  CHECK(alert_received_in("mbedTLS: |2| got an alert message, type: [2:42]") == 42);
  CHECK(alert_received_in("mbedTLS: |1| is a fatal alert message (msg 48)") == 48);
  CHECK_FALSE(alert_received_in("got an alert message, type: [2:]"));
  CHECK_FALSE(alert_received_in("is a fatal alert message (msg 300)"));
  CHECK_FALSE(alert_received_in("E (4211) esp-tls-mbedtls: mbedtls_ssl_handshake returned -0x7780"));
}

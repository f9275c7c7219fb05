#pragma once
// The telnet side of an RFC 2217 client (telnet's COM-PORT-OPTION), over
// libtelnet, with no I/O of its own: the caller feeds it what the server
// sent and sends what it queues, in order.
//
// It asks for BINARY both ways (so every byte value crosses, IAC doubled on
// the wire), SUPPRESS-GO-AHEAD, and COM-PORT-OPTION; once the server agrees
// to the last (DO COM-PORT-OPTION), it asks for `baud`, 8 data bits, no
// parity, 1 stop bit and no flow control, and checks the server's answer to
// each: a server answers every setting with the value it now uses.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

struct telnet_t;
union telnet_event_t;

namespace shakedown::links {

class Rfc2217Client {
 public:
  // Queues the opening negotiation. Throws std::bad_alloc if libtelnet
  // cannot allocate its state.
  explicit Rfc2217Client(uint32_t baud);
  ~Rfc2217Client();
  Rfc2217Client(const Rfc2217Client&) = delete;
  Rfc2217Client& operator=(const Rfc2217Client&) = delete;

  // Parses bytes from the server: data bytes go to the end of `data`
  // (IAC IAC as one 0xFF); telnet commands are answered (queued) or dropped.
  void receive(std::span<const uint8_t> bytes, std::vector<uint8_t>& data);
  // Queues `data` to send, each 0xFF doubled.
  void send(std::span<const uint8_t> data);
  // What to send to the server next, in order; taking it empties the queue.
  std::vector<uint8_t> take_outgoing();

  // True once the server agreed to BINARY both ways and answered every
  // setting with the value asked for.
  bool configured() const;
  // Why it can no longer become configured (the server refused an option,
  // answered a setting with another value, or broke the telnet protocol);
  // empty while it still may.
  const std::string& failure() const { return failure_; }
  // What configured() still waits for, for a message ("an answer to
  // SET-BAUDRATE 115200").
  std::string awaiting() const;

 private:
  struct Setting {
    uint8_t command;  // RFC 2217's client-to-server code; the answer is command + 100
    const char* name;
    uint32_t value;
    size_t width;  // bytes of `value` on the wire, most significant first
    bool answered;
  };

  static void on_event(telnet_t* telnet, telnet_event_t* event, void* self);
  void on_option(unsigned char option, bool agreed, bool server_side);
  void on_com_port_answer(std::span<const uint8_t> answer);
  void send_settings();
  void fail(std::string why);

  telnet_t* telnet_ = nullptr;
  std::vector<uint8_t> outgoing_;
  std::vector<uint8_t>* data_ = nullptr;  // receive()'s `data`, while it runs
  std::array<Setting, 5> settings_;
  bool binary_from_server_ = false;  // the server WILL send binary
  bool binary_to_server_ = false;    // the server said DO: it takes binary from us
  bool settings_sent_ = false;
  std::string failure_;
};

}  // namespace shakedown::links

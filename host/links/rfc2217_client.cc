#include "rfc2217_client.h"

#include <libtelnet.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <new>
#include <utility>

namespace shakedown::links {
namespace {

constexpr unsigned char kComPortOption = 44;  // RFC 2217
constexpr uint8_t kAnswerOffset = 100;        // a server answers command N as N + 100

// What libtelnet agrees to by RFC 1143's rules when the server asks first:
// BINARY and SGA both ways, COM-PORT-OPTION from our side only (the server
// side of it is the server's). Anything else (ECHO, LINEMODE...) is declined.
const telnet_telopt_t kOptions[] = {
    {TELNET_TELOPT_BINARY, TELNET_WILL, TELNET_DO},
    {TELNET_TELOPT_SGA, TELNET_WILL, TELNET_DO},
    {kComPortOption, TELNET_WILL, TELNET_DONT},
    {-1, 0, 0},
};

}  // namespace

Rfc2217Client::Rfc2217Client(uint32_t baud)
    : settings_{{
          {1, "SET-BAUDRATE", baud, 4, false},
          {2, "SET-DATASIZE", 8, 1, false},
          {3, "SET-PARITY", 1, 1, false},    // 1: NONE
          {4, "SET-STOPSIZE", 1, 1, false},  // 1: one stop bit
          {5, "SET-CONTROL", 1, 1, false},   // 1: no flow control
      }} {
  telnet_ = telnet_init(kOptions, &Rfc2217Client::on_event, 0, this);
  if (telnet_ == nullptr) throw std::bad_alloc();
  telnet_negotiate(telnet_, TELNET_WILL, TELNET_TELOPT_BINARY);
  telnet_negotiate(telnet_, TELNET_DO, TELNET_TELOPT_BINARY);
  telnet_negotiate(telnet_, TELNET_WILL, TELNET_TELOPT_SGA);
  telnet_negotiate(telnet_, TELNET_DO, TELNET_TELOPT_SGA);
  telnet_negotiate(telnet_, TELNET_WILL, kComPortOption);
}

Rfc2217Client::~Rfc2217Client() {
  telnet_free(telnet_);
}

void Rfc2217Client::receive(std::span<const uint8_t> bytes, std::vector<uint8_t>& data) {
  data_ = &data;
  telnet_recv(telnet_, reinterpret_cast<const char*>(bytes.data()), bytes.size());
  data_ = nullptr;
}

void Rfc2217Client::send(std::span<const uint8_t> data) {
  telnet_send(telnet_, reinterpret_cast<const char*>(data.data()), data.size());
}

std::vector<uint8_t> Rfc2217Client::take_outgoing() {
  return std::exchange(outgoing_, {});
}

bool Rfc2217Client::configured() const {
  return binary_from_server_ && binary_to_server_ &&
         std::all_of(settings_.begin(), settings_.end(), [](const Setting& s) { return s.answered; });
}

std::string Rfc2217Client::awaiting() const {
  std::vector<std::string> missing;
  if (!binary_from_server_) missing.push_back("WILL BINARY");
  if (!binary_to_server_) missing.push_back("DO BINARY");
  if (!settings_sent_) missing.push_back("DO COM-PORT-OPTION");
  for (const Setting& s : settings_) {
    if (settings_sent_ && !s.answered) missing.push_back(fmt::format("an answer to {} {}", s.name, s.value));
  }
  return fmt::format("{}", fmt::join(missing, ", "));
}

void Rfc2217Client::on_event(telnet_t*, telnet_event_t* event, void* self) {
  auto& client = *static_cast<Rfc2217Client*>(self);
  switch (event->type) {
    case TELNET_EV_DATA: {
      const auto* bytes = reinterpret_cast<const uint8_t*>(event->data.buffer);
      if (client.data_ != nullptr) client.data_->insert(client.data_->end(), bytes, bytes + event->data.size);
      break;
    }
    case TELNET_EV_SEND: {
      const auto* bytes = reinterpret_cast<const uint8_t*>(event->data.buffer);
      client.outgoing_.insert(client.outgoing_.end(), bytes, bytes + event->data.size);
      break;
    }
    case TELNET_EV_WILL: client.on_option(event->neg.telopt, true, true); break;
    case TELNET_EV_WONT: client.on_option(event->neg.telopt, false, true); break;
    case TELNET_EV_DO: client.on_option(event->neg.telopt, true, false); break;
    case TELNET_EV_DONT: client.on_option(event->neg.telopt, false, false); break;
    case TELNET_EV_SUBNEGOTIATION:
      if (event->sub.telopt == kComPortOption) {
        client.on_com_port_answer({reinterpret_cast<const uint8_t*>(event->sub.buffer), event->sub.size});
      }
      break;
    case TELNET_EV_ERROR: client.fail(fmt::format("telnet protocol: {}", event->error.msg)); break;
    default: break;  // go-aheads, warnings: nothing to do
  }
}

// `server_side`: the server's WILL/WONT (what it sends), else its DO/DONT
// (what it takes from us).
void Rfc2217Client::on_option(unsigned char option, bool agreed, bool server_side) {
  if (option == TELNET_TELOPT_BINARY) {
    if (!agreed) fail(fmt::format("the server refused BINARY ({})", server_side ? "WONT" : "DONT"));
    (server_side ? binary_from_server_ : binary_to_server_) = agreed;
  } else if (option == kComPortOption && !server_side) {
    if (!agreed) fail("the server refused COM-PORT-OPTION (is its accepter telnet(rfc2217)?)");
    if (agreed && !settings_sent_) send_settings();
  }
}

void Rfc2217Client::on_com_port_answer(std::span<const uint8_t> answer) {
  if (answer.empty()) return;
  auto setting = std::find_if(settings_.begin(), settings_.end(),
                              [&](const Setting& s) { return s.command + kAnswerOffset == answer[0]; });
  // Modem and line state notifications, and answers to what we never asked.
  if (setting == settings_.end() || !settings_sent_) return;
  const auto value_bytes = answer.subspan(1);
  if (value_bytes.size() != setting->width) {
    return fail(
        fmt::format("the server answered {} with {} bytes, not {}", setting->name, value_bytes.size(), setting->width));
  }
  uint32_t value = 0;
  for (uint8_t byte : value_bytes) value = value << 8 | byte;
  if (value != setting->value) {
    return fail(fmt::format("the server answered {} {} with {}", setting->name, setting->value, value));
  }
  setting->answered = true;
}

void Rfc2217Client::send_settings() {
  settings_sent_ = true;
  for (const Setting& s : settings_) {
    std::vector<char> body{static_cast<char>(s.command)};
    for (size_t i = s.width; i-- > 0;) body.push_back(static_cast<char>(s.value >> (8 * i)));
    // libtelnet doubles a 0xFF in the value (a baud rate can hold one).
    telnet_subnegotiation(telnet_, kComPortOption, body.data(), body.size());
  }
}

void Rfc2217Client::fail(std::string why) {
  if (failure_.empty()) failure_ = std::move(why);
}

}  // namespace shakedown::links

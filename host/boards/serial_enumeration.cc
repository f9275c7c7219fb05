// The one place shakedown asks libserialport for ports. It lists real
// serial ports only (it cannot open ptys), which is all a bench has.

#include <libserialport.h>

#include "board_list.h"
#include "shakedown/errors/result.h"

namespace shakedown::boards {
namespace {

std::string text_or_empty(const char* text) {
  return text != nullptr ? std::string(text) : std::string();
}

}  // namespace

Result<std::vector<SerialPortInfo>> enumerate_serial_ports() {
  sp_port** list = nullptr;
  if (const sp_return rc = sp_list_ports(&list); rc != SP_OK) {
    char* message = sp_last_error_message();
    Error error = infrastructure_error(
        message != nullptr && rc == SP_ERR_FAIL ? std::string(message) : "libserialport error " + std::to_string(rc));
    sp_free_error_message(message);
    return error;
  }
  std::vector<SerialPortInfo> ports;
  for (sp_port** p = list; *p != nullptr; ++p) {
    SerialPortInfo info;
    info.name = text_or_empty(sp_get_port_name(*p));
    info.description = text_or_empty(sp_get_port_description(*p));
    if (sp_get_port_transport(*p) == SP_TRANSPORT_USB) {
      int vid = 0, pid = 0;
      if (sp_get_port_usb_vid_pid(*p, &vid, &pid) == SP_OK) {
        info.usb = true;
        info.vid = static_cast<uint16_t>(vid);
        info.pid = static_cast<uint16_t>(pid);
      }
      info.serial = text_or_empty(sp_get_port_usb_serial(*p));
    }
    ports.push_back(std::move(info));
  }
  sp_free_port_list(list);
  return ports;
}

}  // namespace shakedown::boards

#include "serial_link.h"

#include <libserialport.h>

#include <fmt/format.h>

#include <algorithm>

namespace shakedown::links {
namespace {

std::string last_error(sp_return rc) {
  if (rc != SP_ERR_FAIL) return fmt::format("libserialport error {}", static_cast<int>(rc));
  char* message = sp_last_error_message();
  std::string text = message != nullptr ? message : "failed";
  sp_free_error_message(message);
  return text;
}

unsigned int as_ms(std::chrono::milliseconds timeout) {
  // libserialport takes 0 as "wait forever": every wait here is bounded.
  return static_cast<unsigned int>(std::clamp<int64_t>(timeout.count(), 1, 600'000));
}

}  // namespace

Result<std::unique_ptr<SerialLink>> SerialLink::open(const std::string& port_name, int baud) {
  sp_port* port = nullptr;
  if (sp_return rc = sp_get_port_by_name(port_name.c_str(), &port); rc != SP_OK) {
    return infrastructure_error(fmt::format("{}: {}", port_name, last_error(rc)));
  }
  auto fail = [&](const char* step, sp_return rc) {
    Error error = infrastructure_error(fmt::format("{}: {}: {}", port_name, step, last_error(rc)));
    sp_close(port);
    sp_free_port(port);
    return error;
  };
  if (sp_return rc = sp_open(port, SP_MODE_READ_WRITE); rc != SP_OK) {
    Error error = infrastructure_error(fmt::format("{}: open: {}", port_name, last_error(rc)));
    sp_free_port(port);
    return error;
  }
  if (sp_return rc = sp_set_baudrate(port, baud); rc != SP_OK) return fail("baud rate", rc);
  if (sp_return rc = sp_set_bits(port, 8); rc != SP_OK) return fail("data bits", rc);
  if (sp_return rc = sp_set_parity(port, SP_PARITY_NONE); rc != SP_OK) return fail("parity", rc);
  if (sp_return rc = sp_set_stopbits(port, 1); rc != SP_OK) return fail("stop bits", rc);
  if (sp_return rc = sp_set_flowcontrol(port, SP_FLOWCONTROL_NONE); rc != SP_OK) return fail("flow control", rc);
  // Bytes from before we opened belong to no request of ours.
  sp_flush(port, SP_BUF_BOTH);
  return std::unique_ptr<SerialLink>(new SerialLink(port, port_name));
}

SerialLink::~SerialLink() {
  sp_close(port_);
  sp_free_port(port_);
}

LinkRead SerialLink::read(std::span<uint8_t> out, std::chrono::milliseconds timeout) {
  if (gone_) return {LinkRead::Status::kClosed, 0};
  // Waits for the first byte, then takes what has arrived: a blocking read
  // of out.size() would sit on a short reply until the timeout.
  const sp_return got = sp_blocking_read_next(port_, out.data(), out.size(), as_ms(timeout));
  if (got < 0) {
    // EIO/ENXIO: the USB device went away under us.
    gone_ = true;
    return {LinkRead::Status::kClosed, 0};
  }
  if (got == 0) return {LinkRead::Status::kTimedOut, 0};
  return {LinkRead::Status::kData, static_cast<size_t>(got)};
}

bool SerialLink::write(std::span<const uint8_t> data, std::chrono::milliseconds timeout) {
  if (gone_) return false;
  const sp_return put = sp_blocking_write(port_, data.data(), data.size(), as_ms(timeout));
  if (put < 0) gone_ = true;
  return put == static_cast<sp_return>(data.size());
}

}  // namespace shakedown::links

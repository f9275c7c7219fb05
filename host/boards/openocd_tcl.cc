#include "openocd_tcl.h"

#include <fmt/format.h>

#include <array>
#include <stdexcept>

#include "tcp_link.h"

namespace shakedown::boards {
namespace {

using Clock = std::chrono::steady_clock;
constexpr uint8_t kEnd = 0x1a;  // openocd's tcl_server: the end of a command and of its answer
constexpr size_t kMaxAnswer = 64 * 1024;

}  // namespace

std::string openocd_reset_command() {
  return "reset run";
}

std::string openocd_program_command(const std::filesystem::path& image) {
  const std::string path = image.string();
  if (path.find_first_of("{}\\") != std::string::npos) {
    throw std::invalid_argument(fmt::format("{}: openocd cannot be given a path with braces or backslashes", path));
  }
  return fmt::format("program {{{}}} verify reset", path);
}

std::string openocd_checked(const std::string& command) {
  return fmt::format(R"(if {{[catch {{{}}} e]}} {{set e "error: $e"}} else {{set e ok}})", command);
}

Result<void> run_openocd_command(const std::string& host, uint16_t port, const std::string& command,
                                 std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const std::string where = fmt::format("openocd at {}:{}", host, port);
  auto link = links::TcpLink::connect(host, port, timeout);
  if (!link) return infrastructure_error(fmt::format("{}: {}", where, link.error().message));
  std::string request = openocd_checked(command);
  request.push_back(static_cast<char>(kEnd));
  if (!link->write({reinterpret_cast<const uint8_t*>(request.data()), request.size()}, links::time_left(deadline))) {
    return infrastructure_error(fmt::format("{}: the command could not be sent", where));
  }
  std::string answer;
  std::array<uint8_t, 512> chunk;
  for (;;) {
    const auto read = link->read(chunk, links::time_left(deadline));
    if (read.status == links::LinkRead::Status::kTimedOut) {
      return infrastructure_error(fmt::format("{}: no answer to `{}` within {} ms", where, command, timeout.count()));
    }
    if (read.status == links::LinkRead::Status::kClosed) {
      return infrastructure_error(fmt::format("{}: closed the connection during `{}`", where, command));
    }
    answer.append(reinterpret_cast<const char*>(chunk.data()), read.bytes);
    if (const auto end = answer.find(static_cast<char>(kEnd)); end != std::string::npos) {
      answer.resize(end);
      break;
    }
    if (answer.size() > kMaxAnswer) return infrastructure_error(fmt::format("{}: an answer without end", where));
  }
  if (answer == "ok") return {};
  return infrastructure_error(
      fmt::format("{}: `{}` failed: {}", where, command, answer.starts_with("error: ") ? answer.substr(7) : answer));
}

}  // namespace shakedown::boards

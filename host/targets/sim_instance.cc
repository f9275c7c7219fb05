#include "sim_instance.h"

#include <fmt/format.h>

#include <stdexcept>

namespace shakedown::targets {
namespace {

using namespace std::chrono_literals;
constexpr auto kStartup = 10s;  // until the build listens
constexpr auto kSimSync = 5s;
constexpr std::string_view kListening = "listening on 127.0.0.1:";

std::vector<std::string> command(const std::filesystem::path& executable) {
  // The build gives up by itself if we never connect.
  return {executable.string(), "--listen", "127.0.0.1:0", "--accept-timeout-ms", "10000"};
}

}  // namespace

SimInstance::SimInstance(const std::filesystem::path& executable, links::ChaosSource* chaos)
    : child_(command(executable)) {
  auto line = child_.read_line(kStartup);
  if (!line || !line->starts_with(kListening)) {
    throw std::runtime_error(
        fmt::format("did not start listening: {}", line ? "it said '" + *line + "'" : child_.finish(0s)));
  }
  int port = 0;
  try {
    port = std::stoi(line->substr(kListening.size()));
  } catch (const std::exception&) {
  }
  if (port <= 0 || port > 65535) throw std::runtime_error(fmt::format("announced no usable port: '{}'", *line));
  auto link = links::TcpLink::connect(static_cast<uint16_t>(port), kSimSync);
  if (!link) throw std::runtime_error(link.error().message);
  link_ = std::make_unique<links::TcpLink>(std::move(*link));
  if (chaos != nullptr) link_ = chaos->wrap(std::move(link_));
  device_.emplace(*link_);
  banner_ = device_->sync(kSimSync);
}

InstanceExit SimInstance::stop(std::chrono::milliseconds timeout) {
  device_.reset();
  link_.reset();  // the build sees its console close and exits
  return InstanceExit::from_child(child_.finish(timeout));
}

}  // namespace shakedown::targets

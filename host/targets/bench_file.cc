#include "bench_file.h"

#include <arpa/inet.h>
#include <yaml-cpp/yaml.h>

#include <fmt/format.h>

#include <fstream>
#include <iterator>
#include <optional>
#include <set>

#include "network_serial.h"

namespace shakedown::targets {
namespace {

std::optional<uint32_t> parse_ipv4(const std::string& text) {
  in_addr addr{};
  if (::inet_pton(AF_INET, text.c_str(), &addr) != 1) return std::nullopt;
  return ntohl(addr.s_addr);
}

class Reader {
 public:
  explicit Reader(std::filesystem::path file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Node& at, const std::string& field, const std::string& why) const {
    throw BenchFileError(fmt::format("{}:{}: {}: {}", file_.string(), at.Mark().line + 1, field, why));
  }

  // Complains about keys outside `allowed`, at the key's own line.
  void only(const YAML::Node& map, const std::string& where, const std::set<std::string>& allowed) const {
    for (const auto& entry : map) {
      // A list or mapping as a key names nothing; as<std::string>() would throw.
      if (!entry.first.IsScalar())
        fail(entry.first, where.empty() ? "key" : where, "a key must be a name, not a list or mapping");
      const std::string& key = entry.first.Scalar();
      if (!allowed.contains(key)) {
        fail(entry.first, where.empty() ? key : where + "." + key,
             fmt::format("unknown field (expected one of: {})", fmt::join(allowed, ", ")));
      }
    }
  }

  std::string text(const YAML::Node& map, const std::string& key, const std::string& field, bool required) const {
    const YAML::Node value = map[key];
    if (!value) {
      if (required) fail(map, field, "missing");
      return "";
    }
    if (!value.IsScalar() || value.Scalar().empty()) fail(value, field, "expected a non-empty string");
    return value.Scalar();
  }

  // "HOST:PORT"; with `ipv4_host`, HOST must be an IPv4 address.
  std::optional<net::HostPort> host_port(const YAML::Node& map, const std::string& key, const std::string& field,
                                         bool ipv4_host) const {
    const std::string value = text(map, key, field, false);
    if (value.empty()) return std::nullopt;
    const auto hp = net::parse_host_port(value);
    if (!hp) fail(map[key], field, fmt::format("'{}': expected HOST:PORT, the port 1-65535", value));
    if (ipv4_host && !net::is_ipv4(hp->host)) {
      fail(map[key], field, fmt::format("'{}' is not an IPv4 address", hp->host));
    }
    return hp;
  }

  uint16_t port_number(const YAML::Node& at, const std::string& field, const std::string& text) const {
    unsigned long port = 0;
    const bool digits = !text.empty() && text.size() <= 5 && text.find_first_not_of("0123456789") == std::string::npos;
    if (digits) port = std::stoul(text);
    if (!digits || port == 0 || port > 65535) fail(at, field, fmt::format("'{}' is not a port (1-65535)", text));
    return static_cast<uint16_t>(port);
  }

  std::string ipv4(const YAML::Node& map, const std::string& key, const std::string& field, bool required) const {
    std::string value = text(map, key, field, required);
    if (!value.empty() && !parse_ipv4(value)) fail(map[key], field, fmt::format("'{}' is not an IPv4 address", value));
    return value;
  }

 private:
  std::filesystem::path file_;
};

// A network serial port (a board on another host) needs a probe there too;
// images name a folder on that probe's host.
void check_link(const Reader& r, const YAML::Node& b, const std::string& where, const BenchBoard& board) {
  try {
    if (links::parse_network_serial(board.serial) && !board.openocd) {
      r.fail(b["serial"], where + ".openocd",
             "missing: a board reached through a network serial port is reset and flashed through openocd on its "
             "host (openocd: HOST:TCL-PORT)");
    }
  } catch (const std::invalid_argument& e) {
    r.fail(b["serial"], where + ".serial", e.what());
  }
  if (!board.images.empty() && !board.openocd) {
    r.fail(b["images"], where + ".images", "names a folder on openocd's host: set openocd too");
  }
}

}  // namespace

bool BenchBoard::remote_link() const {
  try {
    return links::parse_network_serial(serial).has_value();
  } catch (const std::invalid_argument&) {
    return false;  // load_bench_file refuses such a board
  }
}

bool is_bench_listen_address(const std::string& address) {
  const auto ip = parse_ipv4(address);
  if (!ip) return false;
  auto in = [&](uint32_t net, int bits) { return (*ip >> (32 - bits)) == (net >> (32 - bits)); };
  return in(0x0A000000, 8) || in(0xAC100000, 12) || in(0xC0A80000, 16) || in(0xA9FE0000, 16) ||
         in(0x7F000000, 8);
}

Bench load_bench_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw BenchFileError(fmt::format("{}: cannot read the bench file", file.string()));
  const std::string text{std::istreambuf_iterator<char>(in), {}};
  if (in.bad()) throw BenchFileError(fmt::format("{}: cannot read the bench file", file.string()));
  return parse_bench_file(text, file);
}

Bench parse_bench_file(std::string_view text, const std::filesystem::path& file) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    throw BenchFileError(fmt::format("{}:{}: not valid YAML: {}", file.string(), e.mark.line + 1, e.msg));
  }
  Reader r(file);
  if (!root.IsMap()) throw BenchFileError(fmt::format("{}:1: expected a mapping with 'boards'", file.string()));
  r.only(root, "", {"host_address", "boards", "flash_tool"});
  Bench bench;
  const std::string host_address = r.ipv4(root, "host_address", "host_address", false);
  bench.flash_tool = r.text(root, "flash_tool", "flash_tool", false);
  if (!bench.flash_tool.empty() && bench.flash_tool != "openocd" && bench.flash_tool != "st-flash") {
    r.fail(root["flash_tool"], "flash_tool", fmt::format("'{}': expected openocd or st-flash", bench.flash_tool));
  }
  const YAML::Node boards = root["boards"];
  if (!boards) r.fail(root, "boards", "missing: list the boards of this bench");
  if (!boards.IsSequence() || boards.size() == 0) r.fail(boards, "boards", "expected a list of one or more boards");
  std::set<std::string> names, serials;
  for (size_t i = 0; i < boards.size(); ++i) {
    const YAML::Node b = boards[i];
    const std::string where = fmt::format("boards[{}]", i);
    if (!b.IsMap()) r.fail(b, where, "expected a mapping with name, serial and address");
    r.only(b, where, {"name", "serial", "address", "host_address", "relay_port", "board_dials", "openocd", "images"});
    BenchBoard board;
    board.name = r.text(b, "name", where + ".name", true);
    board.serial = r.text(b, "serial", where + ".serial", true);
    board.address = r.ipv4(b, "address", where + ".address", true);
    board.host_address = r.ipv4(b, "host_address", where + ".host_address", false);
    if (board.host_address.empty()) board.host_address = host_address;
    if (board.host_address.empty()) {
      r.fail(b, where + ".host_address", "missing, and no top-level host_address to fall back on");
    }
    if (!is_bench_listen_address(board.host_address)) {
      r.fail(b["host_address"] ? b["host_address"] : root["host_address"], where + ".host_address",
             fmt::format("{} is not a private, link-local or loopback address; a bench listener never faces a "
                         "public network",
                         board.host_address));
    }
    if (b["relay_port"])
      board.relay_port =
          r.port_number(b["relay_port"], where + ".relay_port", r.text(b, "relay_port", where + ".relay_port", true));
    board.board_dials = r.host_port(b, "board_dials", where + ".board_dials", true);
    board.openocd = r.host_port(b, "openocd", where + ".openocd", false);
    board.images = r.text(b, "images", where + ".images", false);
    check_link(r, b, where, board);
    // Through a forward the relay sees the forwarder's address, which may be this host's.
    if (board.address == board.host_address && !board.board_dials) {
      r.fail(b["address"], where + ".address", "is the host's own address");
    }
    if (!names.insert(board.name).second) r.fail(b["name"], where + ".name", "another board has this name");
    if (!serials.insert(board.serial).second) r.fail(b["serial"], where + ".serial", "another board has this serial");
    bench.boards.push_back(std::move(board));
  }
  return bench;
}

}  // namespace shakedown::targets

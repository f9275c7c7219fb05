#include "trust_file.h"

#include <fstream>
#include <iterator>
#include <string_view>

namespace shakedown::device {

std::optional<std::vector<uint8_t>> read_trust_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (text.find("-----BEGIN") != std::string_view::npos) bytes.push_back(0);
  return bytes;
}

}  // namespace shakedown::device

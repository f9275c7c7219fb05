#include "temp_dir.h"

#include <stdlib.h>

#include <stdexcept>

namespace shakedown::process {

TempDir::TempDir(const std::filesystem::path& parent, const std::string& prefix) {
  std::string pattern = (parent.empty() ? std::filesystem::temp_directory_path() / ("shakedown-" + prefix + "-XXXXXX")
                                        : parent / (prefix + "-XXXXXX"))
                            .string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp: cannot create " + pattern);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace shakedown::process

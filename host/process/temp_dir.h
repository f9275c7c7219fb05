#pragma once
// A private temporary folder, removed with its contents when the object goes.

#include <filesystem>
#include <string>

namespace shakedown::process {

class TempDir {
 public:
  // Made in `parent` as <prefix>-XXXXXX, or, with no parent, in $TMPDIR as
  // shakedown-<prefix>-XXXXXX. Throws std::runtime_error naming the pattern.
  TempDir(const std::filesystem::path& parent, const std::string& prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace shakedown::process

#include "pki_files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace shakedown::servers::pki_internal {
namespace fs = std::filesystem;

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<std::string> read_at(int dir_fd, const char* name) {
  UniqueFd fd(::openat(dir_fd, name, O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return std::nullopt;
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

std::optional<std::string> read_file(const fs::path& path) {
  return read_at(AT_FDCWD, path.c_str());
}

void write_file(const fs::path& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
  out.close();
  if (!out) throw std::runtime_error("PKI: cannot write " + path.string());
}

fs::path temp_beside(const fs::path& path) {
  static std::atomic<uint64_t> next{0};
  return path.parent_path() /
         (".tmp-" + path.filename().string() + "-" + std::to_string(::getpid()) + "-" + std::to_string(next++));
}

FileLock::FileLock(const fs::path& path) : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
  if (fd_.get() < 0) throw std::runtime_error("PKI: cannot open " + path.string() + ": " + std::strerror(errno));
  while (::flock(fd_.get(), LOCK_EX) != 0) {
    if (errno != EINTR) throw std::runtime_error("PKI: cannot lock " + path.string() + ": " + std::strerror(errno));
  }
}

}  // namespace shakedown::servers::pki_internal

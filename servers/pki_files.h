#pragma once
// The file primitives the PKI cache is built on. Readers never see a half
// written file: writers write aside (temp_beside) and then link or rename
// into place; a FileLock serializes writers of one chain across threads and
// processes.

#include <filesystem>
#include <optional>
#include <string>

namespace shakedown::servers::pki_internal {

// An open descriptor, closed on destruction; -1: none.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();
  int get() const { return fd_; }

 private:
  int fd_;
};

// A whole (small) file, relative to an open directory; nullopt when unreadable.
std::optional<std::string> read_at(int dir_fd, const char* name);
std::optional<std::string> read_file(const std::filesystem::path& path);

// Throws std::runtime_error naming the file when it cannot be written.
void write_file(const std::filesystem::path& path, const std::string& data);

// A name beside `path` that no other thread or process uses.
std::filesystem::path temp_beside(const std::filesystem::path& path);

// flock() on a file of its own, held until destruction: serializes threads
// (each opens its own descriptor) and processes, and is released if the
// holder dies. Blocks until the lock is held; throws std::runtime_error if
// the file cannot be opened or locked.
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& path);

 private:
  UniqueFd fd_;
};

}  // namespace shakedown::servers::pki_internal

#include "run_folder.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "journal.h"

namespace shakedown::runner {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kScratch = "tmp";
// The reports a run writes in its --out folder, each through NAME.tmp.
constexpr const char* kReports[] = {"results.json", "junit.xml", "report.html"};
constexpr const char* kTempPrefix = "shakedown-run-";
// A scratch folder in $TMPDIR is someone's to remove only once this old
// and unlocked: a run locks it just after making it.
constexpr auto kOrphanAge = 1min;

// An open descriptor of `dir` locked with flock; -1 if another process
// holds it.
int lock_folder(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(fmt::format("{}: cannot open ({})", dir.string(), std::strerror(errno)));
  int rc = 0;
  while ((rc = ::flock(fd, LOCK_EX | LOCK_NB)) != 0 && errno == EINTR) {
  }
  if (rc == 0) return fd;
  const int error = errno;
  ::close(fd);
  if (error == EWOULDBLOCK) return -1;
  throw std::runtime_error(fmt::format("{}: cannot lock ({})", dir.string(), std::strerror(error)));
}

// Removes the scratch folders in $TMPDIR that runs killed outright left.
void remove_orphaned_scratch(const fs::path& tmp) {
  std::error_code ec;
  const auto now = fs::file_time_type::clock::now();
  for (fs::directory_iterator it(tmp, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& dir = it->path();
    if (!dir.filename().string().starts_with(kTempPrefix) || !it->is_directory(ec)) continue;
    if (now - fs::last_write_time(dir, ec) < kOrphanAge || ec) continue;
    try {
      const int fd = lock_folder(dir);
      if (fd < 0) continue;  // its run lives
      std::error_code ignored;
      fs::remove_all(dir, ignored);
      ::close(fd);
    } catch (const std::exception&) {
      // someone else's, or gone meanwhile: not ours to tidy
    }
  }
}

// dir/unfinished-run-<start>, not yet taken.
fs::path aside_folder(const fs::path& dir, std::string started) {
  std::replace(started.begin(), started.end(), ':', '-');
  const std::string stem = started.empty() ? "unfinished-run" : "unfinished-run-" + started;
  fs::path aside = dir / stem;
  for (int n = 2; fs::exists(aside); ++n) aside = dir / fmt::format("{}-{}", stem, n);
  return aside;
}

// Moves an unfinished run's journal and cells into `aside`, pointing its
// cells' "artifacts" there, and rebuilds its reports there.
void keep_aside(Journal journal, const fs::path& dir, const fs::path& aside) {
  fs::create_directories(aside);
  if (fs::exists(dir / "cells")) fs::rename(dir / "cells", aside / "cells");
  const std::string old_cells = journal.cells_dir.string();
  for (auto& cell : journal.cells) {
    auto artifacts = cell.find("artifacts");
    if (old_cells.empty() || artifacts == cell.end() || !artifacts->is_string()) continue;
    const std::string path = artifacts->get<std::string>();
    if (path.starts_with(old_cells)) *artifacts = (aside / "cells").string() + path.substr(old_cells.size());
  }
  journal.cells_dir = aside / "cells";
  save_journal(journal, aside / kJournalFile);
  write_reports(journal, aside);
}

}  // namespace

std::optional<FolderLock> FolderLock::take(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error(fmt::format("{}: cannot create ({})", dir.string(), ec.message()));
  const int fd = lock_folder(dir);
  if (fd < 0) return std::nullopt;
  return FolderLock(fd);
}

FolderLock::FolderLock(FolderLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

FolderLock& FolderLock::operator=(FolderLock&& other) noexcept {
  std::swap(fd_, other.fd_);
  return *this;
}

FolderLock::~FolderLock() {
  if (fd_ >= 0) ::close(fd_);
}

ScratchFolder::ScratchFolder(const fs::path& out) {
  if (!out.empty()) {
    path_ = out / kScratch;
    std::error_code ec;
    fs::remove_all(path_, ec);
    fs::create_directories(path_, ec);
    if (ec) throw std::runtime_error(fmt::format("{}: cannot create ({})", path_.string(), ec.message()));
    return;
  }
  const fs::path tmp = fs::temp_directory_path();
  remove_orphaned_scratch(tmp);
  std::string pattern = (tmp / (std::string(kTempPrefix) + "XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error(fmt::format("{}: cannot create ({})", pattern, std::strerror(errno)));
  }
  path_ = pattern;
  lock_fd_ = lock_folder(path_);
}

ScratchFolder::~ScratchFolder() {
  remove();
}

void ScratchFolder::remove() {
  if (path_.empty()) return;
  std::error_code ignored;
  fs::remove_all(path_, ignored);
  if (lock_fd_ >= 0) ::close(lock_fd_), lock_fd_ = -1;
  path_.clear();
}

void remove_leftovers(const fs::path& dir) {
  std::error_code ignored;
  fs::remove_all(dir / kScratch, ignored);
  for (const std::string name : kReports) fs::remove(dir / (name + ".tmp"), ignored);
}

std::optional<fs::path> prepare_for_run(const fs::path& dir) {
  std::optional<fs::path> aside;
  if (fs::exists(dir / kJournalFile)) {
    std::optional<Journal> journal;
    try {
      journal = read_journal(dir / kJournalFile);
    } catch (const std::runtime_error&) {
      // Its run died writing the first line: no cell of it finished.
    }
    if (journal && !journal->finished) {
      aside = aside_folder(dir, journal->started);
      keep_aside(std::move(*journal), dir, *aside);
    }
  }
  std::error_code ignored;
  fs::remove(dir / kJournalFile, ignored);
  for (const std::string name : kReports) {
    fs::remove(dir / name, ignored);
    fs::remove(dir / (name + ".tmp"), ignored);
  }
  return aside;
}

}  // namespace shakedown::runner

#pragma once
// The folders a run writes: its --out folder, held against a second run for
// the run's lifetime, and its folder for temporary files, so that a run
// killed outright leaves nothing outside its --out folder, and what it left
// inside is tidied by the next run or `shakedown report` there.

#include <filesystem>
#include <optional>
#include <string>

namespace shakedown::runner {

// Exclusive use of a run's --out folder: flock on the folder, which the
// kernel drops however the holder ends, so a folder that can be locked has
// no run writing to it.
class FolderLock {
 public:
  // Creates `dir` if missing and locks it; nullopt if another process holds
  // it. Throws std::runtime_error naming the folder if it cannot be made.
  static std::optional<FolderLock> take(const std::filesystem::path& dir);
  FolderLock(FolderLock&& other) noexcept;
  FolderLock& operator=(FolderLock&& other) noexcept;
  ~FolderLock();

 private:
  explicit FolderLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Where a run keeps its temporary files (the s_server peer's key files,
// QEMU's work folders): <out>/tmp with --out (the caller holds the folder;
// what a dead run left there is removed first); else a folder of its own,
// $TMPDIR/shakedown-run-XXXXXX, held by flock while the run lives, and
// removed by a later run once no run holds it. Removed with its contents on
// destruction.
class ScratchFolder {
 public:
  // Throws std::runtime_error naming the folder if it cannot be made.
  explicit ScratchFolder(const std::filesystem::path& out);
  ~ScratchFolder();
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Removes it now (idempotent).
  void remove();

 private:
  std::filesystem::path path_;
  int lock_fd_ = -1;
};

// The temporary files a run killed outright left in its --out folder `dir`:
// its scratch folder and half-written reports. The caller holds `dir`.
void remove_leftovers(const std::filesystem::path& dir);

// Readies `dir`, which the caller holds, for a new run (its scratch folder
// is ScratchFolder's). The previous run's reports and journal go; an unfinished journal (its run died) is first
// kept aside, with the cells' folder, in dir/unfinished-run-<its start>/,
// where its reports are rebuilt. Returns that folder; nullopt if nothing
// was unfinished. Throws std::runtime_error naming what failed.
std::optional<std::filesystem::path> prepare_for_run(const std::filesystem::path& dir);

}  // namespace shakedown::runner

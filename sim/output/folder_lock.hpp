// Results folders that cannot be corrupted (docs/RELIABILITY.md):
//  - FolderLock: one writer per results folder. An exclusive flock on a lock
//    file beside the folder (PARENT/.NAME.lock), held for the whole command
//    (`run`, `sweep`, `compare`, `merge`, `sobol`, `morris`; `plot` from
//    Python); a second command on the same folder is refused at once
//    (FolderBusy) before it touches the folder.
//  - FolderSwap: `run` writes a new folder beside the old one and exchanges
//    the two in one rename, so a failure leaves the old results or the new,
//    never a mix.
//  - remove_stale_temps: temporary files (*.tmp-PID) and staging folders
//    left by a killed process, removed under the lock.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace cw {

// Another process holds the folder's lock (exit 2 in the CLI).
class FolderBusy : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// No lock file can be made beside the folder (an unwritable parent), or it
// cannot be locked (a file system without flock). A command that writes the
// folder fails with it (exit 1); one that reads the folder and writes a
// file into it reads without the lock (lock_if_possible).
class LockUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A folder that `run` may not replace as a whole (it holds files that no
// cloudwars run wrote), or an output path that cannot name a folder.
class FolderRefused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The lock file of a results folder: PARENT/.NAME.lock (outside the folder,
// so it survives the folder being swapped).
std::filesystem::path lock_file_of(const std::filesystem::path& dir);

class FolderLock {
 public:
  // Creates the parent folder when missing (not `dir` itself) and takes the
  // lock without waiting; throws FolderBusy naming the holder's pid and
  // command when another process has it, LockUnavailable when the lock file
  // can neither be created nor opened, or not locked. A lock file that
  // exists but that this user may not write (another user's) is locked
  // through a read-only descriptor, without writing the holder line.
  FolderLock(const std::filesystem::path& dir, const std::string& command);
  ~FolderLock();
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  int fd_ = -1;
  bool writable_ = true;  // the holder line can be written
};

// For a command that reads an existing folder and writes into it (sobol,
// morris, plot): takes `dir`'s lock into `lock` when `dir` is a folder and
// a lock file can be made beside it; leaves `lock` empty when `dir` is not a
// folder (the reader says what is missing), when no lock file can be made
// or locked beside it (LockUnavailable: the folder is then read without the
// lock) or for `/` (FolderRefused). Throws FolderBusy when another command
// holds the lock, also through another user's lock file.
void lock_if_possible(std::optional<FolderLock>& lock, const std::filesystem::path& dir,
                      const std::string& command);

// Removes, directly inside `dir`, every file named *.tmp-DIGITS (an
// AtomicFile's temporary of a process that died) and, beside `dir`, every
// staging folder .NAME.tmp-DIGITS of FolderSwap. Call only under the
// folder's lock. Returns how many were removed.
std::size_t remove_stale_temps(const std::filesystem::path& dir);

// True when every entry of `dir` is something a run or a sweep writes
// (the data files, manifest.json, graph files, temporaries, plots/): such a
// folder may be replaced as a whole.
bool is_replaceable_results_folder(const std::filesystem::path& dir);

// Writes a folder beside `dir` and puts it in place of `dir` in one step.
class FolderSwap {
 public:
  // Refuses (FolderRefused) when `dir` exists and is not a folder or holds
  // files no run wrote; creates the empty staging folder .NAME.tmp-PID.
  explicit FolderSwap(std::filesystem::path dir);
  // Not committed: removes the staging folder and everything in it.
  ~FolderSwap();
  FolderSwap(const FolderSwap&) = delete;
  FolderSwap& operator=(const FolderSwap&) = delete;

  const std::filesystem::path& stage() const { return stage_; }
  // Exchanges the staging folder with `dir` (renameat2 RENAME_EXCHANGE: no
  // moment without a complete folder), or renames it into place when `dir`
  // does not exist; then removes the old folder.
  void commit();

 private:
  std::filesystem::path dir_, stage_;
  bool committed_ = false;
};

}  // namespace cw

#include "output/folder_lock.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

namespace cw {

namespace fs = std::filesystem;

namespace {

// `dir` as an absolute path without a trailing separator.
fs::path normal_dir(const fs::path& dir) {
  fs::path p = fs::absolute(dir).lexically_normal();
  if (p.filename().empty() && p.has_parent_path() && p != p.root_path()) p = p.parent_path();
  if (p.filename().empty() || p.filename() == "." || p.filename() == "..") {
    throw FolderRefused(
        fmt::format("{}: cannot be used as a results folder (give a folder name)", dir.string()));
  }
  return p;
}

// tmp-DIGITS, the end of every temporary name (DIGITS: the writer's pid).
bool is_pid_tail(std::string_view tail) {
  if (!tail.starts_with("tmp-") || tail.size() == 4) return false;
  return std::all_of(tail.begin() + 4, tail.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// NAME.tmp-DIGITS.
bool is_temp_name(std::string_view name) {
  const auto at = name.rfind(".tmp-");
  return at != std::string_view::npos && is_pid_tail(name.substr(at + 1));
}

// The names of the entries of `dir` that `keep` accepts (none if it cannot
// be read), read with readdir: no path is built for the others. A results
// folder's parent may hold thousands of entries (runs written side by side,
// or /tmp), and a std::filesystem listing built a path and a string for
// each: about 3,700 instructions an entry, a third of a whole `run --out`
// of cloudwars-2017 with 14,500 entries beside the folder.
template <class Keep>
std::vector<std::string> names_in(const fs::path& dir, Keep keep) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return names;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name(e->d_name);
    if (name != "." && name != ".." && keep(name)) names.emplace_back(name);
  }
  ::closedir(d);
  return names;
}

}  // namespace

fs::path lock_file_of(const fs::path& dir) {
  const fs::path p = normal_dir(dir);
  return p.parent_path() / ("." + p.filename().string() + ".lock");
}

FolderLock::FolderLock(const fs::path& dir, const std::string& command) {
  const fs::path lock = lock_file_of(dir);
  std::error_code ec;
  fs::create_directories(lock.parent_path(), ec);
  // O_NOFOLLOW: a symbolic link in the lock file's place is not followed
  // (the file is truncated below). O_NONBLOCK: a FIFO there does not block
  // the read-only open; it is refused as not a regular file.
  fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
  if (fd_ < 0 && (errno == EACCES || errno == EPERM || errno == EROFS)) {
    // A lock file this user may not write (another user's command made it)
    // or on a read-only file system can still be locked through a
    // read-only descriptor (flock needs no write access); only the holder
    // line is then not written.
    const int err = errno;
    fd_ = ::open(lock.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd_ < 0) errno = err;  // it does not exist: say why it could not be made
    writable_ = false;
  }
  if (fd_ < 0) {
    throw LockUnavailable(fmt::format("cannot create the lock file {} of {}: {}", lock.string(),
                                      dir.string(), std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    throw LockUnavailable(
        fmt::format("the lock file {} of {} is not a regular file", lock.string(), dir.string()));
  }
  // Readable by every user, whatever the umask, so that another user's
  // command can lock it too (above) rather than go without the lock.
  if (writable_) {
    [[maybe_unused]] const int m = ::fchmod(fd_, 0644);
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    std::array<char, 256> holder{};
    const ssize_t n = ::pread(fd_, holder.data(), holder.size() - 1, 0);
    std::string who(holder.data(), n > 0 ? static_cast<std::size_t>(n) : 0);
    while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK) {
      // sobol, morris and plot work on the folder they are given: no other
      // to choose.
      const bool reads = command == "sobol" || command == "morris" || command == "plot";
      throw FolderBusy(
          fmt::format("{} is in use by another cloudwars command{}; wait for it to finish{}",
                      dir.string(), who.empty() ? std::string() : " (" + who + ")",
                      reads ? "" : ", or choose another folder with --out"));
    }
    throw LockUnavailable(fmt::format("cannot lock {}: {}", lock.string(), std::strerror(err)));
  }
  // Who holds it, for the message of a refused second command.
  const std::string who = fmt::format("pid {}, cloudwars {}\n", ::getpid(), command);
  if (writable_ && ::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] const ssize_t w = ::pwrite(fd_, who.data(), who.size(), 0);
  }
}

FolderLock::~FolderLock() {
  if (fd_ >= 0) {
    if (writable_) {
      [[maybe_unused]] const int t = ::ftruncate(fd_, 0);
    }
    ::close(fd_);  // releases the flock
  }
}

void lock_if_possible(std::optional<FolderLock>& lock, const fs::path& dir,
                      const std::string& command) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  try {
    lock.emplace(dir, command);
  } catch (const LockUnavailable&) {
    // No lock file can be made or locked beside the folder: it is read
    // without the lock.
  } catch (const FolderRefused&) {
    // No name to make a lock file from (`/`): the reader says what is wrong.
  }
}

std::size_t remove_stale_temps(const fs::path& dir) {
  std::size_t removed = 0;
  std::error_code ec;
  if (fs::is_directory(dir, ec)) {
    for (const std::string& name : names_in(dir, is_temp_name)) {
      const fs::path path = dir / name;
      if (!fs::is_directory(path, ec)) removed += fs::remove(path, ec) ? 1 : 0;
    }
  }
  const fs::path p = normal_dir(dir);
  const std::string prefix = "." + p.filename().string() + ".";
  const fs::path parent = p.parent_path();
  if (fs::is_directory(parent, ec)) {
    // Exactly .NAME.tmp-PID or .NAME.old.tmp-PID (FolderSwap's names), not
    // any .NAME.*.tmp-PID: the staging folder of a results folder named
    // NAME.v2 (.NAME.v2.tmp-PID) is another folder's, under another lock,
    // and may be live.
    const auto staging = [&prefix](std::string_view name) {
      if (!name.starts_with(prefix)) return false;
      std::string_view rest = name.substr(prefix.size());
      if (rest.starts_with("old.")) rest.remove_prefix(4);
      return is_pid_tail(rest);
    };
    for (const std::string& name : names_in(parent, staging)) {
      const fs::path path = parent / name;
      if (fs::is_directory(path, ec)) removed += fs::remove_all(path, ec) > 0 ? 1 : 0;
    }
  }
  return removed;
}

bool is_replaceable_results_folder(const fs::path& dir) {
  static constexpr std::array<std::string_view, 15> kOurs = {
      "runs.csv",           "run_providers.csv", "run_labs.csv", "steps.csv",
      "step_providers.csv", "step_labs.csv",     "events.csv",   "points.csv",
      "design.csv",         "manifest.json",     "sobol.csv",    "morris.csv",
      "compare.csv",        "compare_steps.csv", "plots"};
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (is_temp_name(name)) continue;
    if (name.ends_with(".gz")) name.resize(name.size() - 3);
    const bool graph =
        name.rfind("graph_step", 0) == 0 && (name.ends_with(".graphml") || name.ends_with(".dot"));
    bool ours = graph;
    for (const auto k : kOurs) ours = ours || name == k;
    if (!ours) return false;
  }
  return !ec;
}

FolderSwap::FolderSwap(fs::path dir) : dir_(normal_dir(dir)) {
  std::error_code ec;
  if (fs::exists(fs::symlink_status(dir_, ec))) {
    if (!fs::is_directory(fs::symlink_status(dir_, ec))) {
      throw FolderRefused(fmt::format(
          "{} exists and is not a folder; remove it or choose another folder with --out",
          dir.string()));
    }
    if (!is_replaceable_results_folder(dir_)) {
      throw FolderRefused(fmt::format(
          "{} holds files that no cloudwars run wrote; a run replaces its whole folder, so it "
          "refuses this one: choose another folder with --out (or empty it)",
          dir.string()));
    }
  }
  stage_ = dir_.parent_path() / fmt::format(".{}.tmp-{}", dir_.filename().string(), ::getpid());
  fs::remove_all(stage_, ec);
  fs::create_directories(stage_);
}

FolderSwap::~FolderSwap() {
  if (committed_) return;
  std::error_code ec;
  fs::remove_all(stage_, ec);
}

void FolderSwap::commit() {
  std::error_code ec;
  if (fs::exists(fs::symlink_status(dir_, ec))) {
    // Linux: both names stay complete folders at every moment.
    if (::renameat2(AT_FDCWD, stage_.c_str(), AT_FDCWD, dir_.c_str(), RENAME_EXCHANGE) == 0) {
      committed_ = true;
      fs::remove_all(stage_, ec);  // now the old results
      return;
    }
    if (errno != EINVAL && errno != ENOSYS) {
      throw std::runtime_error(fmt::format("cannot put the new results in place of {}: {}",
                                           dir_.string(), std::strerror(errno)));
    }
    // A file system without exchange: the old folder steps aside first.
    const fs::path old =
        dir_.parent_path() / fmt::format(".{}.old.tmp-{}", dir_.filename().string(), ::getpid());
    fs::rename(dir_, old);
    fs::rename(stage_, dir_);
    committed_ = true;
    fs::remove_all(old, ec);
    return;
  }
  fs::rename(stage_, dir_);
  committed_ = true;
}

}  // namespace cw

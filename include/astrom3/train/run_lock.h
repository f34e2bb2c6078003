// An exclusive lock on a run directory, held for the life of a training run.
//
// Two runs writing one directory end with one run's checkpoints beside the other's config and
// metrics, both exiting 0. The lock is flock(2) on RUN/.astrom3.lock: the kernel releases it
// when the holder exits in any way (kill -9 included), so a crashed run never leaves a stale
// lock; the file itself stays and records the last holder's PID and host for the message.
#pragma once

#include <filesystem>
#include <vector>

namespace astrom3::train {

class RunLock {
 public:
  /// Creates `run_dir` if needed and takes its lock. Throws ConfigError naming the holder's PID
  /// and host when another process holds it, Error when the lock file cannot be opened.
  explicit RunLock(const std::filesystem::path& run_dir);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  static constexpr const char* kFileName = ".astrom3.lock";

 private:
  int fd_ = -1;
};

/// Removes what crashed writers left in `run_dir` and `run_dir/checkpoints`: hidden entries
/// named like the temporaries of AtomicOutput (".NAME.tmp.PID.N") and of checkpoint writes
/// (".NAME.tmp-TAG"). Call it only with the directory's RunLock held: then no live process can
/// own them. Returns what it removed.
std::vector<std::filesystem::path> remove_crash_leftovers(const std::filesystem::path& run_dir);

}  // namespace astrom3::train

// An exclusive lock on a run directory, held for the life of a training run.
//
// Two runs writing one directory end with one run's checkpoints beside the other's config and
// metrics, both exiting 0. The lock is flock(2) on RUN/.astrom3.lock: the kernel releases it
// when the holder exits in any way (kill -9 included), so a crashed run never leaves a stale
// lock; the file itself stays and records the last holder's PID and host for the message.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
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

/// The directory a training run writes: `out` when given; else the run directory of the
/// checkpoint it resumes (RUN/checkpoints/epoch-N -> RUN); else `default_dir`.
std::filesystem::path choose_run_dir(const std::string& out,
                                     const std::filesystem::path& resumed_checkpoint,
                                     const std::filesystem::path& default_dir);

/// Claims `run_dir` for one run before anything is written. Rank 0 (`holder`) takes the lock
/// and removes crash leftovers (reported through the warning log); the lock is taken before the
/// check, so two fresh runs started together cannot both pass it. A fresh run (`resuming`
/// false) into a directory that already holds a run (its `latest` link) is refused with a
/// ConfigError that says how to continue it. Returns the lock (null on other ranks); keep it
/// for the life of the run.
std::unique_ptr<RunLock> claim_run_dir(const std::filesystem::path& run_dir, bool resuming,
                                       bool holder);

}  // namespace astrom3::train

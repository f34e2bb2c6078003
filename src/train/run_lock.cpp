#include "astrom3/train/run_lock.h"

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/error.h"

namespace astrom3::train {
namespace fs = std::filesystem;

namespace {

std::string read_holder(int fd) {
  char text[256] = {};
  const auto n = ::pread(fd, text, sizeof(text) - 1, 0);
  std::string holder = n > 0 ? std::string(text, static_cast<std::size_t>(n)) : std::string();
  while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
  return holder.empty() ? "a process that has not yet recorded itself" : holder;
}

std::string this_process() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) std::strcpy(host, "unknown host");
  return "pid " + std::to_string(::getpid()) + " on " + host;
}

}  // namespace

RunLock::RunLock(const fs::path& run_dir) {
  fs::create_directories(run_dir);
  const auto file = run_dir / kFileName;
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw Error("cannot open the run lock " + file.string() + ": " + std::strerror(errno));
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    const auto holder = error == EWOULDBLOCK ? read_holder(fd_) : std::string();
    ::close(fd_);
    fd_ = -1;
    if (error != EWOULDBLOCK) {
      throw Error("cannot lock " + file.string() + ": " + std::strerror(error));
    }
    throw ConfigError(run_dir.string() + " is in use by another astrom3 run (" + holder +
                      "); wait for it to finish or choose another --out");
  }
  // Recording the holder is best effort: without it only a second run's message is poorer.
  const auto me = this_process() + "\n";
  const bool recorded = ::ftruncate(fd_, 0) == 0 &&
                        ::pwrite(fd_, me.data(), me.size(), 0) == static_cast<ssize_t>(me.size());
  static_cast<void>(recorded);
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
}

std::vector<fs::path> remove_crash_leftovers(const fs::path& run_dir) {
  std::vector<fs::path> removed;
  for (const auto& dir : {run_dir, run_dir / "checkpoints"}) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> found;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      const auto name = entry.path().filename().string();
      if (name.size() > 1 && name[0] == '.' &&
          (name.find(".tmp.") != std::string::npos || name.find(".tmp-") != std::string::npos)) {
        found.push_back(entry.path());
      }
    }
    for (const auto& path : found) {
      fs::remove_all(path, ec);
      if (!ec) removed.push_back(path);
    }
  }
  return removed;
}

fs::path choose_run_dir(const std::string& out, const fs::path& resumed_checkpoint,
                        const fs::path& default_dir) {
  if (!out.empty()) return out;
  if (!resumed_checkpoint.empty()) return resumed_checkpoint.parent_path().parent_path();
  return default_dir;
}

std::unique_ptr<RunLock> claim_run_dir(const fs::path& run_dir, bool resuming, bool holder) {
  auto lock = holder ? std::make_unique<RunLock>(run_dir) : nullptr;
  if (lock) {
    for (const auto& path : remove_crash_leftovers(run_dir)) {
      spdlog::warn("removed {}, left by an interrupted write of an earlier run", path.string());
    }
  }
  if (!resuming && fs::exists(run_dir / "latest")) {
    throw ConfigError(run_dir.string() + " already holds a run; continue it with --resume " +
                      run_dir.string() + " or choose another --out");
  }
  prepare_output_location(run_dir / "config.json");
  return lock;
}

}  // namespace astrom3::train

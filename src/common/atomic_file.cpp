#include "astrom3/common/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <atomic>

#include "astrom3/common/error.h"

namespace astrom3 {
namespace fs = std::filesystem;

void prepare_output_location(const fs::path& target) {
  const auto parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::exists(parent, ec)) fs::create_directories(parent, ec);
  if (ec || !fs::is_directory(parent)) {
    throw Error("cannot write " + target.string() + ": cannot create directory " + parent.string() +
                (ec ? " (" + ec.message() + ")" : ""));
  }
  if (::access(parent.c_str(), W_OK) != 0) {
    throw Error("cannot write " + target.string() + ": directory " + parent.string() +
                " is not writable");
  }
  if (fs::is_directory(target, ec)) {
    throw Error("cannot write " + target.string() + ": it is a directory");
  }
  // Renaming onto a device, FIFO or socket would replace it with a file: as root,
  // `--out /dev/null` destroyed /dev/null.
  const auto status = fs::status(target, ec);
  if (!ec && fs::exists(status) && !fs::is_regular_file(status)) {
    throw Error("cannot write " + target.string() +
                ": it is not a regular file (a device, FIFO or socket); outputs are written to "
                "files, replaced whole when complete");
  }
}

namespace {

// A symbolic link is written through: its target receives the content and the link stays.
// The link is followed by hand: weakly_canonical() leaves a link to a file not yet written as it
// is, and the rename would then replace the link.
fs::path resolve_output(fs::path target) {
  std::error_code ec;
  for (int hops = 0; hops < 40 && fs::is_symlink(target, ec); ++hops) {
    const auto next = fs::read_symlink(target, ec);
    if (ec) break;
    target = next.is_absolute() ? next : target.parent_path() / next;
  }
  return target;
}

}  // namespace

AtomicOutput::AtomicOutput(fs::path target) : target_(resolve_output(std::move(target))) {
  static std::atomic<unsigned> counter{0};
  prepare_output_location(target_);
  const auto parent = target_.has_parent_path() ? target_.parent_path() : fs::path(".");
  temp_ = parent / ("." + target_.filename().string() + ".tmp." + std::to_string(::getpid()) + "." +
                    std::to_string(counter++));
}

AtomicOutput::~AtomicOutput() {
  if (!committed_) {
    std::error_code ec;
    fs::remove_all(temp_, ec);
  }
}

void sync_to_disk(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open " + path.string() + " to sync it: " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (rc != 0 && error != EINVAL) {
    throw Error("cannot sync " + path.string() + " to disk: " + std::strerror(error));
  }
}

void write_file_synced(const fs::path& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error("cannot write " + path.string() + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : ENOSPC;
      ::close(fd);
      throw Error("cannot write " + path.string() + ": " + std::strerror(error));
    }
    done += static_cast<std::size_t>(n);
  }
  const int rc = ::fsync(fd);
  const int error = errno;
  if (::close(fd) != 0 || rc != 0) {
    throw Error("cannot write " + path.string() + ": " + std::strerror(rc != 0 ? error : errno));
  }
}

void AtomicOutput::commit() {
  sync_to_disk(temp_);
  std::error_code ec;
  fs::rename(temp_, target_, ec);
  if (ec) {
    throw Error("cannot rename " + temp_.string() + " to " + target_.string() + ": " +
                ec.message());
  }
  committed_ = true;
  sync_to_disk(target_.has_parent_path() ? target_.parent_path() : fs::path("."));
}

void write_text_file_atomic(const fs::path& path, const std::string& text) {
  AtomicOutput out(path);
  write_file_synced(out.temp_path(), text);
  out.commit();
}

}  // namespace astrom3

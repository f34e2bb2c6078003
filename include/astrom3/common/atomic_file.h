// Crash-safe output: write to a temporary sibling, then rename over the destination only when
// the content is complete. A reader never sees a half-written file, and an interrupted run
// leaves the previous file (if any) untouched.
#pragma once

#include <filesystem>
#include <string>

namespace astrom3 {

/// Owns a temporary path next to `target`. commit() renames it onto `target`; if the object is
/// destroyed without commit() (an exception unwound), the temporary file is removed. A `target`
/// that is a symbolic link is written through (the link's target is replaced, the link stays);
/// a device, FIFO or socket is refused (prepare_output_location).
class AtomicOutput {
 public:
  explicit AtomicOutput(std::filesystem::path target);
  ~AtomicOutput();
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  /// Where to write the content.
  const std::filesystem::path& temp_path() const { return temp_; }
  const std::filesystem::path& target() const { return target_; }
  /// The writer must have closed the temporary file. Syncs it to disk, renames it onto the
  /// target and syncs the directory, so that after a power loss the target is the old content
  /// or the new one, never an empty file.
  void commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path temp_;
  bool committed_ = false;
};

/// Creates the directory that will hold `target` if needed and checks that it is writable and
/// that `target`, if it exists, is a regular file, so that a command fails before its work
/// rather than after it. Throws Error naming the path.
void prepare_output_location(const std::filesystem::path& target);

/// fsync(2) of a file or directory: its data (a file) or its entries (a directory) are on disk
/// when it returns. Throws Error naming the path; file systems that cannot sync a directory
/// (EINVAL) are accepted.
void sync_to_disk(const std::filesystem::path& path);

/// Writes `bytes` to a new file `path` (not atomically: for files inside a temporary directory)
/// and syncs it. Throws Error with the system's reason, e.g. "No space left on device".
void write_file_synced(const std::filesystem::path& path, const std::string& bytes);

/// Writes `text` to `path` atomically.
void write_text_file_atomic(const std::filesystem::path& path, const std::string& text);

}  // namespace astrom3

// Crash-safe output: write to a temporary sibling, then rename over the destination only when
// the content is complete. A reader never sees a half-written file, and an interrupted run
// leaves the previous file (if any) untouched.
#pragma once

#include <filesystem>
#include <string>

namespace astrom3 {

/// Owns a temporary path next to `target`. commit() renames it onto `target`; if the object is
/// destroyed without commit() (an exception unwound), the temporary file is removed.
class AtomicOutput {
 public:
  explicit AtomicOutput(std::filesystem::path target);
  ~AtomicOutput();
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  /// Where to write the content.
  const std::filesystem::path& temp_path() const { return temp_; }
  const std::filesystem::path& target() const { return target_; }
  /// Flushes nothing itself: the writer must have closed the temporary file.
  void commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path temp_;
  bool committed_ = false;
};

/// Creates the directory that will hold `target` if needed and checks that it is writable, so
/// that a command fails before its work rather than after it. Throws Error naming the path.
void prepare_output_location(const std::filesystem::path& target);

/// Writes `text` to `path` atomically.
void write_text_file_atomic(const std::filesystem::path& path, const std::string& text);

}  // namespace astrom3

#include <gtest/gtest.h>

#include <fstream>

#include "astrom3/common/atomic_file.h"
#include "support/test_support.h"

namespace astrom3 {
namespace {

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(AtomicOutput, CommitReplacesTargetAndLeavesNoTemporary) {
  test::TempDir dir;
  const auto target = dir / "out.txt";
  write_text_file_atomic(target, "old");
  write_text_file_atomic(target, "new");
  EXPECT_EQ(read(target), "new");
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1);
}

TEST(AtomicOutput, AbandonedWriteKeepsPreviousContent) {
  test::TempDir dir;
  const auto target = dir / "out.txt";
  write_text_file_atomic(target, "complete");
  {
    AtomicOutput out(target);
    std::ofstream(out.temp_path()) << "half-writ";
    // no commit: as if an exception unwound the writer
  }
  EXPECT_EQ(read(target), "complete");
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1);
}

}  // namespace
}  // namespace astrom3

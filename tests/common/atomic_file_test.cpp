#include <gtest/gtest.h>

#include <fstream>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/error.h"
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

TEST(AtomicOutput, UnusableLocationsFailUpFrontNamingThePath) {
  test::TempDir dir;
  write_text_file_atomic(dir / "file", "x");
  try {
    prepare_output_location(dir / "file" / "out.h5");  // parent is a regular file
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("out.h5"), std::string::npos) << e.what();
  }
  EXPECT_THROW(prepare_output_location(dir.path()), Error);  // target is a directory
  EXPECT_NO_THROW(prepare_output_location(dir / "new" / "deeper" / "out.h5"));
  EXPECT_TRUE(std::filesystem::is_directory(dir / "new" / "deeper"));
}

}  // namespace
}  // namespace astrom3

#include <gtest/gtest.h>

#include <fstream>

#include "astrom3/common/error.h"
#include "astrom3/ingest/text_table.h"
#include "astrom3/ingest/zip_archive.h"
#include "support/test_support.h"

namespace astrom3::ingest {
namespace {

// Pseudo-random letters: deflate cannot shrink them much, so the entry's data is long.
std::string long_text(unsigned seed) {
  std::string s;
  std::uint32_t x = 2463534242u + seed;
  for (int i = 0; i < 4000; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s += static_cast<char>('a' + x % 26);
  }
  return s;
}

TEST(ZipArchive, RoundTripAndDeterministicBytes) {
  test::TempDir dir;
  for (const char* name : {"a.zip", "b.zip"}) {
    ZipWriter w(dir / name);
    w.add("vardb_files/x.dat", long_text(1));
    w.add("vardb_files/y z.dat", "short\n");
    w.close();
  }
  EXPECT_EQ(read_file_bytes(dir / "a.zip"), read_file_bytes(dir / "b.zip"));
  ZipReader r(dir / "a.zip");
  EXPECT_EQ(r.entry_names(),
            (std::vector<std::string>{"vardb_files/x.dat", "vardb_files/y z.dat"}));
  EXPECT_TRUE(r.contains("vardb_files/y z.dat"));
  EXPECT_FALSE(r.contains("vardb_files/q.dat"));
  EXPECT_EQ(r.read("vardb_files/x.dat"), long_text(1));
  EXPECT_EQ(r.read("vardb_files/y z.dat"), "short\n");
  EXPECT_THROW(r.read("vardb_files/q.dat"), DataError);
}

TEST(ZipArchive, CorruptEntryIsADataErrorNamingArchiveAndEntry) {
  test::TempDir dir;
  {
    ZipWriter w(dir / "a.zip");
    w.add("good.dat", "fine\n");
    w.add("bad.dat", long_text(3));
    w.close();
  }
  std::string bytes = read_file_bytes(dir / "a.zip");
  // Flip bytes in the middle of bad.dat's compressed data (after its local header).
  const auto at = bytes.find("bad.dat");
  ASSERT_NE(at, std::string::npos);
  for (std::size_t k = at + 200; k < at + 240; ++k) bytes[k] = static_cast<char>(bytes[k] ^ 0x5a);
  { std::ofstream(dir / "a.zip", std::ios::binary | std::ios::trunc) << bytes; }
  ZipReader r(dir / "a.zip");
  EXPECT_EQ(r.read("good.dat"), "fine\n");
  try {
    r.read("bad.dat");
    ADD_FAILURE() << "expected a DataError";
  } catch (const DataError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("a.zip:bad.dat"), std::string::npos) << m;
    EXPECT_NE(m.find("corrupt entry"), std::string::npos) << m;
  }
}

TEST(ZipArchive, NotAZipIsADataError) {
  test::TempDir dir;
  { std::ofstream(dir / "x.zip") << "PK but not really"; }
  EXPECT_THROW(ZipReader(dir / "x.zip"), DataError);
  EXPECT_THROW(ZipReader(dir / "missing.zip"), DataError);
}

}  // namespace
}  // namespace astrom3::ingest

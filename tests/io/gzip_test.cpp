#include "astrom3/io/gzip.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>

#include "astrom3/common/error.h"
#include "astrom3/ingest/text_table.h"
#include "support/test_support.h"

namespace astrom3::io {
namespace {

// Streams made by GNU gzip 1.12 (`printf abc | gzip -n`), an implementation independent of
// zlib.
std::string bytes(std::initializer_list<unsigned char> b) {
  return std::string(b.begin(), b.end());
}
const std::string kAbc =
    bytes({0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x4b, 0x4c,
           0x4a, 0x06, 0x00, 0xc2, 0x41, 0x24, 0x35, 0x03, 0x00, 0x00, 0x00});
const std::string kDefNewline =
    bytes({0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x4b, 0x49,
           0x4d, 0xe3, 0x02, 0x00, 0xbc, 0x93, 0x6e, 0x08, 0x04, 0x00, 0x00, 0x00});

TEST(Gzip, InflatesStreamsFromGnuGzipAndJoinsMembers) {
  EXPECT_TRUE(is_gzip(kAbc));
  EXPECT_FALSE(is_gzip("SIMPLE  ="));
  EXPECT_FALSE(is_gzip(std::string(1, '\x1f')));
  EXPECT_EQ(gunzip(kAbc, "abc.gz", 100), "abc");
  // `gzip -c a b > ab.gz` concatenates members; gunzip(1) outputs both.
  EXPECT_EQ(gunzip(kAbc + kDefNewline, "ab.gz", 100), "abcdef\n");
  // Zero padding after the last member (tape blocks) is tolerated.
  EXPECT_EQ(gunzip(kAbc + std::string(10, '\0'), "pad.gz", 100), "abc");
}

TEST(Gzip, CorruptTruncatedAndOversizedStreamsAreDataErrorsNamingTheSource) {
  test::expect_data_error([&] { gunzip(kAbc.substr(0, 12), "cut.gz", 100); }, "cut.gz: truncated");
  test::expect_data_error([&] { gunzip(kAbc.substr(0, 2), "two.gz", 100); }, "two.gz: truncated");
  std::string flipped = kAbc;
  flipped[kAbc.size() - 6] ^= 0x40;  // CRC32 no longer matches
  test::expect_data_error([&] { gunzip(flipped, "crc.gz", 100); }, "crc.gz: corrupt gzip stream");
  test::expect_data_error([&] { gunzip(kAbc, "big.gz", 2); }, "big.gz: inflates to more than 2");
  const std::string zeros = gzip(std::string(1 << 20, '\0'));
  EXPECT_LT(zeros.size(), 5000u);
  test::expect_data_error([&] { gunzip(zeros, "bomb.gz", 100000); }, "more than 100000 bytes");
  EXPECT_EQ(gunzip(zeros, "ok.gz", 1 << 20).size(), std::size_t{1} << 20);
}

TEST(Gzip, DeflatedBytesRoundTripAndGnuGzipReadsThem) {
  std::mt19937 rng(3);
  std::string data(300000, '\0');
  for (auto& c : data) c = static_cast<char>(rng() % 7);  // compressible, not trivially
  for (int level : {0, 1, 6, 9}) {
    SCOPED_TRACE(level);
    const std::string z = gzip(data, level);
    EXPECT_TRUE(is_gzip(z));
    EXPECT_EQ(gunzip(z, "round", data.size()), data);
  }
  EXPECT_EQ(gunzip(gzip(""), "empty", 0), "");
  // GNU gzip verifies and inflates what we wrote.
  test::TempDir dir;
  { std::ofstream(dir / "d.gz", std::ios::binary) << gzip(data); }
  const std::string cmd =
      "gzip -dc '" + (dir / "d.gz").string() + "' > '" + (dir / "d").string() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  EXPECT_EQ(ingest::read_file_bytes(dir / "d"), data);
}

}  // namespace
}  // namespace astrom3::io

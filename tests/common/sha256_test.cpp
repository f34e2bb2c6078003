// SHA-256 against the FIPS 180-4 / NIST example digests, and streaming in pieces that straddle
// the 64-byte blocks and the padding boundary.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "astrom3/common/error.h"
#include "astrom3/common/sha256.h"
#include "support/test_support.h"

namespace astrom3 {
namespace {

std::string digest(const std::string& text) {
  Sha256 h;
  h.update(text.data(), text.size());
  return h.hex_digest();
}

TEST(Sha256, NistExamples) {
  EXPECT_EQ(digest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(digest(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PiecesAndFilesGiveTheWholeMessagesDigest) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += static_cast<char>((i * 37 + 11) % 256);
  for (const std::size_t length : {55u, 56u, 63u, 64u, 65u, 119u, 128u, 300u}) {
    const auto message = text.substr(0, length);
    const auto whole = digest(message);
    for (const std::size_t piece : {1u, 7u, 63u, 64u}) {
      Sha256 h;
      for (std::size_t at = 0; at < message.size(); at += piece) {
        h.update(message.data() + at, std::min(piece, message.size() - at));
      }
      EXPECT_EQ(h.hex_digest(), whole) << length << " in pieces of " << piece;
    }
  }
  test::TempDir dir;
  std::ofstream(dir / "f", std::ios::binary) << std::string(3000000, 'a');
  EXPECT_EQ(sha256_file(dir / "f"), digest(std::string(3000000, 'a')));
  EXPECT_THROW(sha256_file(dir / "missing"), Error);
}

}  // namespace
}  // namespace astrom3

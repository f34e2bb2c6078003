// SHA-256 (FIPS 180-4) of byte streams and files, for the checksums in checkpoint manifests:
// the digests are the lower-case hex that `sha256sum` prints, so users can check files by hand.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace astrom3 {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t bytes);
  /// The digest as 64 lower-case hex characters; the object must not be updated afterwards.
  std::string hex_digest();

 private:
  void compress(const std::uint8_t* block);
  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t length_ = 0;  // bytes so far
};

/// Digest of a whole file, read in 1 MiB pieces. Throws Error naming the file when it cannot be
/// read.
std::string sha256_file(const std::filesystem::path& file);

}  // namespace astrom3

#include "astrom3/io/gzip.h"

#include <zlib.h>

#include <algorithm>

#include "astrom3/common/error.h"

namespace astrom3::io {
namespace {

// zlib's stream counters are uInt (32 bit): feed it in chunks below that limit.
constexpr std::size_t kChunk = std::size_t{1} << 30;
// Output is inflated this much at a time, so a lying size field costs no zero-filling.
constexpr std::size_t kOutChunk = std::size_t{1} << 20;
// deflate's best possible ratio is about 1032:1 (zlib's FAQ): a bound on an honest ISIZE.
constexpr std::size_t kMaxRatio = 1032;
// windowBits for the gzip wrapper (15-bit window + 16), as zlib.h documents.
constexpr int kGzipWindow = 15 + 16;

// Hands zlib the next chunk of `bytes` (from `in_pos`, advanced) once it has used the last one.
void feed(z_stream& z, const std::string& bytes, std::size_t& in_pos) {
  if (z.avail_in != 0 || in_pos >= bytes.size()) return;
  const std::size_t n = std::min(kChunk, bytes.size() - in_pos);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data() + in_pos));
  z.avail_in = static_cast<uInt>(n);
  in_pos += n;
}

}  // namespace

bool is_gzip(const std::string& bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

std::string gunzip(const std::string& bytes, const std::string& source, std::size_t max_bytes) {
  z_stream z{};
  if (inflateInit2(&z, kGzipWindow) != Z_OK) throw DataError(source + ": cannot start inflate");
  struct End {
    z_stream* z;
    ~End() { inflateEnd(z); }
  } end{&z};

  std::string out;
  std::size_t in_pos = 0;
  // The ISIZE trailer (size mod 2^32) is a good first guess for one member; a corrupt one is
  // capped by what the input could possibly inflate to.
  if (bytes.size() >= 4) {
    const auto* t = reinterpret_cast<const unsigned char*>(bytes.data() + bytes.size() - 4);
    const std::size_t isize = t[0] | (t[1] << 8) | (t[2] << 16) | (std::size_t{t[3]} << 24);
    out.reserve(std::min({isize, max_bytes, kMaxRatio * bytes.size()}));
  }
  int rc = Z_OK;
  while (true) {
    feed(z, bytes, in_pos);
    // Room to inflate into, never past max_bytes + 1 (one byte over proves the excess).
    if (out.capacity() - out.size() < 4096 && out.capacity() <= max_bytes) {
      out.reserve(std::min(max_bytes + 1, std::max<std::size_t>(out.capacity() * 2, 65536)));
    }
    const std::size_t before = out.size();
    const std::size_t room = std::min(kOutChunk, out.capacity() - before);
    out.resize(before + room);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + before);
    z.avail_out = static_cast<uInt>(room);
    rc = inflate(&z, Z_NO_FLUSH);
    out.resize(before + room - z.avail_out);
    if (out.size() > max_bytes) {
      throw DataError(source + ": inflates to more than " + std::to_string(max_bytes) + " bytes");
    }
    if (rc == Z_STREAM_END) {
      // Another member may follow (gzip -c a b > ab.gz); trailing zeros are tolerated.
      const bool more = z.avail_in > 0 || in_pos < bytes.size();
      if (!more) break;
      const std::size_t rest_at = in_pos - z.avail_in;
      if (bytes.find_first_not_of('\0', rest_at) == std::string::npos) break;
      if (inflateReset(&z) != Z_OK) throw DataError(source + ": corrupt gzip stream");
      continue;
    }
    if (rc == Z_BUF_ERROR && z.avail_in == 0 && in_pos >= bytes.size()) {
      throw DataError(source + ": truncated gzip stream");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      throw DataError(source + ": corrupt gzip stream" +
                      (z.msg ? std::string(" (") + z.msg + ")" : ""));
    }
  }
  return out;
}

std::string gzip(const std::string& bytes, int level) {
  z_stream z{};
  if (deflateInit2(&z, level, Z_DEFLATED, kGzipWindow, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw Error("cannot start deflate at level " + std::to_string(level));
  }
  struct End {
    z_stream* z;
    ~End() { deflateEnd(z); }
  } end{&z};
  std::string out;
  std::size_t in_pos = 0;
  int rc = Z_OK;
  do {
    feed(z, bytes, in_pos);
    const std::size_t before = out.size();
    const std::size_t room = 65536;
    out.resize(before + room);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + before);
    z.avail_out = static_cast<uInt>(room);
    rc = deflate(&z, in_pos < bytes.size() || z.avail_in > 0 ? Z_NO_FLUSH : Z_FINISH);
    out.resize(before + room - z.avail_out);
    if (rc == Z_STREAM_ERROR) throw Error("deflate failed");
  } while (rc != Z_STREAM_END);
  return out;
}

}  // namespace astrom3::io

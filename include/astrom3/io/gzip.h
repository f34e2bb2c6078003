// gzip streams (RFC 1952) in memory, with zlib. CFITSIO can read and write .fits.gz itself,
// but it picks the decompressor from the file *name* (any path containing ".Z" is sent to the
// LZW decoder, e.g. a spectrum under /tmp/tmp.Zx3/...), so astrom3 inflates and deflates the
// bytes here and hands CFITSIO plain FITS in memory.
#pragma once

#include <cstddef>
#include <string>

namespace astrom3::io {

/// True when `bytes` starts with gzip's magic number 1f 8b.
bool is_gzip(const std::string& bytes);

/// Inflates a gzip stream. Concatenated members are joined, as gunzip(1) does. Throws
/// DataError (prefixed with `source`) for a corrupt or truncated stream, and when the inflated
/// size would exceed `max_bytes` (a guard against decompression bombs).
std::string gunzip(const std::string& bytes, const std::string& source, std::size_t max_bytes);

/// `bytes` as one gzip member at zlib `level` (0-9).
std::string gzip(const std::string& bytes, int level = 6);

}  // namespace astrom3::io

// Zip archives through libzip: reading photometry.zip of the published dataset (one text light
// curve per entry) and writing it for `astrom3 synth --raw-layout`. A ZipReader is not safe to
// share between threads; open one per thread (libzip handles are independent).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

struct zip;

namespace astrom3::ingest {

class ZipReader {
 public:
  /// Opens `path`; throws DataError naming it when it is missing or not a zip archive.
  explicit ZipReader(const std::filesystem::path& path);
  ~ZipReader();
  ZipReader(const ZipReader&) = delete;
  ZipReader& operator=(const ZipReader&) = delete;

  /// Names of all file entries (directories excluded), in archive order.
  std::vector<std::string> entry_names() const;
  bool contains(const std::string& name) const;
  /// The entry's uncompressed bytes. Throws DataError "archive:entry: ..." when the entry is
  /// missing, its compressed data are corrupt, or its CRC does not match.
  std::string read(const std::string& name) const;

 private:
  std::string path_;
  struct zip* archive_ = nullptr;
};

/// Builds a new archive (deflate, fixed timestamps so the bytes depend only on the content).
/// Entries are held in memory until close(), which writes the file; destroying the writer
/// without close() discards it.
class ZipWriter {
 public:
  explicit ZipWriter(const std::filesystem::path& path);
  ~ZipWriter();
  ZipWriter(const ZipWriter&) = delete;
  ZipWriter& operator=(const ZipWriter&) = delete;

  void add(const std::string& name, std::string content);
  void close();

 private:
  std::string path_;
  struct zip* archive_ = nullptr;
  std::vector<std::unique_ptr<std::string>> contents_;  // must outlive zip_close
};

}  // namespace astrom3::ingest

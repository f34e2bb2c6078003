#include "astrom3/ingest/zip_archive.h"

#include <zip.h>

#include "astrom3/common/error.h"

namespace astrom3::ingest {
namespace {

std::string open_error(int code) {
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  std::string text = zip_error_strerror(&error);
  zip_error_fini(&error);
  return text;
}

// 2020-01-01T00:00:00Z: a fixed entry time keeps archive bytes reproducible.
constexpr time_t kFixedMtime = 1577836800;

}  // namespace

ZipReader::ZipReader(const std::filesystem::path& path) : path_(path.string()) {
  int code = 0;
  archive_ = zip_open(path_.c_str(), ZIP_RDONLY, &code);
  if (!archive_) throw DataError(path_ + ": cannot open as a zip archive: " + open_error(code));
}

ZipReader::~ZipReader() {
  if (archive_) zip_discard(archive_);
}

std::vector<std::string> ZipReader::entry_names() const {
  std::vector<std::string> names;
  const zip_int64_t n = zip_get_num_entries(archive_, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    const char* name = zip_get_name(archive_, static_cast<zip_uint64_t>(i), 0);
    if (!name) continue;
    std::string s = name;
    if (!s.empty() && s.back() != '/') names.push_back(std::move(s));
  }
  return names;
}

bool ZipReader::contains(const std::string& name) const {
  return zip_name_locate(archive_, name.c_str(), 0) >= 0;
}

std::string ZipReader::read(const std::string& name) const {
  const std::string where = path_ + ":" + name;
  const zip_int64_t index = zip_name_locate(archive_, name.c_str(), 0);
  if (index < 0) throw DataError(where + ": no such entry in the archive");
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(archive_, static_cast<zip_uint64_t>(index), 0, &st) != 0 ||
      !(st.valid & ZIP_STAT_SIZE)) {
    throw DataError(where + ": cannot read the entry header: " + zip_strerror(archive_));
  }
  // A corrupt central directory can claim any size: refuse absurd ones before allocating (a
  // light curve is well under a megabyte).
  if (st.size > (std::uint64_t{1} << 28)) {
    throw DataError(where + ": entry claims " + std::to_string(st.size) + " bytes");
  }
  zip_file_t* file = zip_fopen_index(archive_, static_cast<zip_uint64_t>(index), 0);
  if (!file) throw DataError(where + ": cannot open the entry: " + zip_strerror(archive_));
  std::string data(static_cast<std::size_t>(st.size), '\0');
  zip_uint64_t got = 0;
  std::string failure;
  while (got < st.size) {
    const zip_int64_t r = zip_fread(file, data.data() + got, st.size - got);
    if (r < 0) {
      failure = zip_error_strerror(zip_file_get_error(file));
      break;
    }
    if (r == 0) {
      failure =
          "entry ends after " + std::to_string(got) + " of " + std::to_string(st.size) + " bytes";
      break;
    }
    got += static_cast<zip_uint64_t>(r);
  }
  if (failure.empty()) {
    // Reading past the end makes libzip verify the CRC of the whole entry.
    char extra = 0;
    if (zip_fread(file, &extra, 1) < 0) failure = zip_error_strerror(zip_file_get_error(file));
  }
  const int closed = zip_fclose(file);
  if (failure.empty() && closed != 0) failure = open_error(closed);
  if (!failure.empty()) throw DataError(where + ": corrupt entry: " + failure);
  return data;
}

ZipWriter::ZipWriter(const std::filesystem::path& path) : path_(path.string()) {
  int code = 0;
  archive_ = zip_open(path_.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code);
  if (!archive_) throw Error(path_ + ": cannot create zip archive: " + open_error(code));
}

ZipWriter::~ZipWriter() {
  if (archive_) zip_discard(archive_);
}

void ZipWriter::add(const std::string& name, std::string content) {
  contents_.push_back(std::make_unique<std::string>(std::move(content)));
  const auto& data = *contents_.back();
  zip_source_t* source = zip_source_buffer(archive_, data.data(), data.size(), 0);
  if (!source) throw Error(path_ + ":" + name + ": " + zip_strerror(archive_));
  const zip_int64_t index = zip_file_add(archive_, name.c_str(), source, ZIP_FL_ENC_UTF_8);
  if (index < 0) {
    zip_source_free(source);
    throw Error(path_ + ":" + name + ": cannot add entry: " + zip_strerror(archive_));
  }
  zip_file_set_mtime(archive_, static_cast<zip_uint64_t>(index), kFixedMtime, 0);
}

void ZipWriter::close() {
  if (zip_close(archive_) != 0) {
    const std::string message = zip_strerror(archive_);
    zip_discard(archive_);
    archive_ = nullptr;
    throw Error(path_ + ": cannot write the archive: " + message);
  }
  archive_ = nullptr;
  contents_.clear();
}

}  // namespace astrom3::ingest

// Private RAII wrapper over the HDF5 C API; the only header that knows HDF5 exists.
// Every failure throws DataError naming the file and the object. HDF5 serialises its API calls
// anyway, so all access also goes through one process-wide mutex (hdf5_mutex()).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace astrom3::data::h5 {

std::mutex& hdf5_mutex();

using hid = std::int64_t;

/// An open file or group. Move-only; closes on destruction.
class Location {
 public:
  Location() = default;
  Location(hid id, std::string file, std::string path, bool is_file);
  Location(Location&& o) noexcept;
  Location& operator=(Location&& o) noexcept;
  Location(const Location&) = delete;
  Location& operator=(const Location&) = delete;
  ~Location();

  static Location create_file(const std::string& path);
  static Location open_file(const std::string& path);
  /// Flushes a file to disk and closes it; throws Error naming the file when HDF5 could not
  /// write everything (a full disk). close() and the destructor ignore such failures, and
  /// HDF5 keeps small datasets in its cache until the file is flushed, so a writer must call
  /// this before it commits the file.
  void finish();

  Location create_group(const std::string& name) const;
  Location open_group(const std::string& name) const;
  bool has(const std::string& name) const;
  std::vector<std::string> children() const;

  /// Dataset I/O. dims has 1 or 2 entries; data size must equal their product.
  void write(const std::string& name, const std::vector<double>& data,
             const std::vector<std::uint64_t>& dims) const;
  void write(const std::string& name, const std::vector<float>& data,
             const std::vector<std::uint64_t>& dims) const;
  void write(const std::string& name, const std::vector<std::int64_t>& data) const;
  void write(const std::string& name, const std::vector<std::int64_t>& data,
             const std::vector<std::uint64_t>& dims) const;
  void write(const std::string& name, const std::vector<std::int32_t>& data) const;
  void write(const std::string& name, const std::vector<std::uint8_t>& data) const;
  void write(const std::string& name, const std::vector<std::string>& data) const;
  /// Streaming: creates a float32 [rows, cols] dataset, then writes row blocks into it.
  void create_f32(const std::string& name, std::uint64_t rows, std::uint64_t cols) const;
  void write_f32_rows(const std::string& name, std::uint64_t first_row, const float* data,
                      std::uint64_t rows, std::uint64_t cols) const;

  /// Reads a whole dataset, converting to the requested type; `dims` receives its shape.
  std::vector<double> read_f64(const std::string& name, std::vector<std::uint64_t>* dims) const;
  std::vector<float> read_f32(const std::string& name, std::vector<std::uint64_t>* dims) const;
  std::vector<std::int64_t> read_i64(const std::string& name,
                                     std::vector<std::uint64_t>* dims) const;
  std::vector<std::int32_t> read_i32(const std::string& name,
                                     std::vector<std::uint64_t>* dims) const;
  std::vector<std::uint8_t> read_u8(const std::string& name,
                                    std::vector<std::uint64_t>* dims) const;
  std::vector<std::string> read_strings(const std::string& name) const;

  /// The shape of dataset `name` (1 or 2 entries for the numeric ones this file reads).
  std::vector<std::uint64_t> shape(const std::string& name) const;
  /// Reads rows [first, first + count) of a 1- or 2-dimensional dataset, every column, converted
  /// to the requested type (row-major). DataError when the range leaves the dataset.
  std::vector<double> read_f64_rows(const std::string& name, std::uint64_t first,
                                    std::uint64_t count) const;
  std::vector<float> read_f32_rows(const std::string& name, std::uint64_t first,
                                   std::uint64_t count) const;
  std::vector<std::int64_t> read_i64_rows(const std::string& name, std::uint64_t first,
                                          std::uint64_t count) const;
  std::vector<std::int32_t> read_i32_rows(const std::string& name, std::uint64_t first,
                                          std::uint64_t count) const;
  std::vector<std::uint8_t> read_u8_rows(const std::string& name, std::uint64_t first,
                                         std::uint64_t count) const;
  std::vector<std::string> read_string_rows(const std::string& name, std::uint64_t first,
                                            std::uint64_t count) const;

  /// Appendable datasets, for files written in blocks of rows whose total is unknown up front:
  /// created with 0 rows and `cols` columns (0: one-dimensional), chunked, grown by each append.
  enum class Type { f32, f64, i32, u8, text };
  void create_appendable(const std::string& name, Type type, std::uint64_t cols = 0) const;
  /// Appends `rows` rows (rows * max(cols, 1) values) to an appendable dataset of that type.
  void append_rows(const std::string& name, const float* data, std::uint64_t rows) const;
  void append_rows(const std::string& name, const double* data, std::uint64_t rows) const;
  void append_rows(const std::string& name, const std::int32_t* data, std::uint64_t rows) const;
  void append_rows(const std::string& name, const std::uint8_t* data, std::uint64_t rows) const;
  void append_rows(const std::string& name, const std::vector<std::string>& rows) const;

  void set_attr(const std::string& name, const std::string& value) const;
  void set_attr(const std::string& name, std::int64_t value) const;
  void set_attr(const std::string& name, double value) const;
  bool has_attr(const std::string& name) const;
  std::string attr_string(const std::string& name) const;
  std::int64_t attr_int(const std::string& name) const;
  double attr_double(const std::string& name) const;

  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }
  /// "file.h5:/group/name" for messages.
  std::string where(const std::string& name = "") const;

 private:
  void close();
  template <typename T>
  std::vector<T> read_numeric(const std::string& name, hid mem_type,
                              std::vector<std::uint64_t>* dims) const;
  template <typename T>
  std::vector<T> read_numeric_rows(const std::string& name, hid mem_type, std::uint64_t first,
                                   std::uint64_t count) const;
  void append(const std::string& name, hid mem_type, const void* data, std::uint64_t rows) const;
  template <typename T>
  void write_numeric(const std::string& name, const T* data, const std::vector<std::uint64_t>& dims,
                     hid mem_type, hid file_type) const;

  hid id_ = -1;
  std::string file_;
  std::string path_;
  bool is_file_ = false;
};

}  // namespace astrom3::data::h5

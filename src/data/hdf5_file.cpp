#include "data/hdf5_file.h"

#include <hdf5.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <type_traits>

#include "astrom3/common/error.h"

namespace astrom3::data::h5 {

std::mutex& hdf5_mutex() {
  static std::mutex m;
  return m;
}

namespace {

// HDF5 prints its error stack to stderr by default; astrom3 reports errors itself.
void silence_hdf5() {
  static const bool done = [] {
    // No library shutdown at exit: after a write failed (a full disk), the file's close fails
    // too, and HDF5's exit handler closing it again crashed the process (exit 139) after the
    // error had been reported. Every handle astrom3 opens is closed by RAII; this must precede
    // any other HDF5 call to take effect.
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)done;
}

[[noreturn]] void fail(const std::string& what) {
  throw DataError(what);
}

struct Handle {
  hid_t id;
  herr_t (*closer)(hid_t);
  Handle(hid_t i, herr_t (*c)(hid_t)) : id(i), closer(c) {}
  ~Handle() {
    if (id >= 0) closer(id);
  }
  Handle(Handle&& o) noexcept : id(o.id), closer(o.closer) { o.id = -1; }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle& operator=(Handle&&) = delete;
};

// Chunked and compressed storage keeps large ragged arrays small on disk.
Handle dataset_create_plist(int rank, const hsize_t* dims) {
  Handle plist(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  // No modification times in object headers: the same content gives the same bytes.
  H5Pset_obj_track_times(plist.id, 0);
  hsize_t total = 1;
  for (int i = 0; i < rank; ++i) total *= dims[i];
  if (total >= 4096) {
    hsize_t chunk[2] = {dims[0], rank > 1 ? dims[1] : 1};
    const hsize_t row = rank > 1 ? dims[1] : 1;
    chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(dims[0], (1u << 18) / row));
    H5Pset_chunk(plist.id, rank, chunk);
    H5Pset_shuffle(plist.id);
    H5Pset_deflate(plist.id, 1);
  }
  return plist;
}

// A variable-length UTF-8 string type, as written for every text dataset and attribute.
Handle text_type() {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.id, H5T_VARIABLE);
  H5Tset_cset(type.id, H5T_CSET_UTF8);
  return type;
}

}  // namespace

Location::Location(hid id, std::string file, std::string path, bool is_file)
    : id_(id), file_(std::move(file)), path_(std::move(path)), is_file_(is_file) {}

Location::Location(Location&& o) noexcept
    : id_(o.id_), file_(std::move(o.file_)), path_(std::move(o.path_)), is_file_(o.is_file_) {
  o.id_ = -1;
}

Location& Location::operator=(Location&& o) noexcept {
  if (this != &o) {
    close();
    id_ = o.id_;
    file_ = std::move(o.file_);
    path_ = std::move(o.path_);
    is_file_ = o.is_file_;
    o.id_ = -1;
  }
  return *this;
}

Location::~Location() {
  close();
}

void Location::close() {
  if (id_ < 0) return;
  if (is_file_) {
    H5Fclose(id_);
  } else {
    H5Gclose(id_);
  }
  id_ = -1;
}

void Location::finish() {
  if (id_ >= 0 && is_file_ && H5Fflush(id_, H5F_SCOPE_GLOBAL) < 0) {
    const int error = errno;
    close();
    fail("cannot write " + file_ + ": HDF5 could not write its data (" + std::strerror(error) +
         ")");
  }
  close();
}

std::string Location::where(const std::string& name) const {
  std::string p = path_;
  if (!name.empty()) p = (p == "/" ? "/" : p + "/") + name;
  return file_ + ":" + p;
}

Location Location::create_file(const std::string& path) {
  silence_hdf5();
  const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (id < 0) fail("cannot create HDF5 file " + path);
  return Location(id, path, "/", true);
}

Location Location::open_file(const std::string& path) {
  silence_hdf5();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) fail(path + ": no such file");
  if (std::filesystem::is_directory(path, ec)) fail(path + ": a directory, not an HDF5 file");
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    fail(path + ": not an HDF5 file (truncated, unreadable or another format)");
  }
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) fail("cannot open HDF5 file " + path + " (corrupt or truncated?)");
  return Location(id, path, "/", true);
}

Location Location::create_group(const std::string& name) const {
  Handle gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
  H5Pset_obj_track_times(gcpl.id, 0);
  const hid_t g = H5Gcreate2(id_, name.c_str(), H5P_DEFAULT, gcpl.id, H5P_DEFAULT);
  if (g < 0) fail("cannot create group " + where(name));
  return Location(g, file_, path_ == "/" ? "/" + name : path_ + "/" + name, false);
}

Location Location::open_group(const std::string& name) const {
  if (!has(name)) fail(where(name) + ": missing group");
  const hid_t g = H5Gopen2(id_, name.c_str(), H5P_DEFAULT);
  if (g < 0) fail(where(name) + ": not a readable group");
  return Location(g, file_, path_ == "/" ? "/" + name : path_ + "/" + name, false);
}

bool Location::has(const std::string& name) const {
  return H5Lexists(id_, name.c_str(), H5P_DEFAULT) > 0;
}

std::vector<std::string> Location::children() const {
  std::vector<std::string> names;
  H5G_info_t info;
  if (H5Gget_info(id_, &info) < 0) fail(where() + ": cannot list group");
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t len =
        H5Lget_name_by_idx(id_, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (len < 0) fail(where() + ": cannot list group");
    std::string name(static_cast<std::size_t>(len), '\0');
    H5Lget_name_by_idx(id_, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), len + 1, H5P_DEFAULT);
    names.push_back(name);
  }
  return names;
}

template <typename T>
void Location::write_numeric(const std::string& name, const T* data,
                             const std::vector<std::uint64_t>& dims, hid mem_type,
                             hid file_type) const {
  std::vector<hsize_t> d(dims.begin(), dims.end());
  Handle space(H5Screate_simple(static_cast<int>(d.size()), d.data(), nullptr), H5Sclose);
  Handle plist = dataset_create_plist(static_cast<int>(d.size()), d.data());
  Handle ds(H5Dcreate2(id_, name.c_str(), file_type, space.id, H5P_DEFAULT, plist.id, H5P_DEFAULT),
            H5Dclose);
  if (ds.id < 0) fail("cannot create dataset " + where(name));
  if (H5Dwrite(ds.id, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
    fail("cannot write dataset " + where(name));
  }
}

void Location::write(const std::string& name, const std::vector<double>& data,
                     const std::vector<std::uint64_t>& dims) const {
  write_numeric(name, data.data(), dims, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE);
}
void Location::write(const std::string& name, const std::vector<float>& data,
                     const std::vector<std::uint64_t>& dims) const {
  write_numeric(name, data.data(), dims, H5T_NATIVE_FLOAT, H5T_IEEE_F32LE);
}
void Location::write(const std::string& name, const std::vector<std::int64_t>& data) const {
  write_numeric(name, data.data(), {data.size()}, H5T_NATIVE_INT64, H5T_STD_I64LE);
}
void Location::write(const std::string& name, const std::vector<std::int64_t>& data,
                     const std::vector<std::uint64_t>& dims) const {
  write_numeric(name, data.data(), dims, H5T_NATIVE_INT64, H5T_STD_I64LE);
}
void Location::write(const std::string& name, const std::vector<std::int32_t>& data) const {
  write_numeric(name, data.data(), {data.size()}, H5T_NATIVE_INT32, H5T_STD_I32LE);
}
void Location::write(const std::string& name, const std::vector<std::uint8_t>& data) const {
  write_numeric(name, data.data(), {data.size()}, H5T_NATIVE_UINT8, H5T_STD_U8LE);
}

void Location::create_f32(const std::string& name, std::uint64_t rows, std::uint64_t cols) const {
  hsize_t d[2] = {rows, cols};
  Handle space(H5Screate_simple(2, d, nullptr), H5Sclose);
  Handle plist = dataset_create_plist(2, d);
  Handle ds(
      H5Dcreate2(id_, name.c_str(), H5T_IEEE_F32LE, space.id, H5P_DEFAULT, plist.id, H5P_DEFAULT),
      H5Dclose);
  if (ds.id < 0) fail("cannot create dataset " + where(name));
}

void Location::write_f32_rows(const std::string& name, std::uint64_t first_row, const float* data,
                              std::uint64_t rows, std::uint64_t cols) const {
  Handle ds(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (ds.id < 0) fail("cannot open dataset " + where(name));
  Handle file_space(H5Dget_space(ds.id), H5Sclose);
  hsize_t start[2] = {first_row, 0}, count[2] = {rows, cols};
  H5Sselect_hyperslab(file_space.id, H5S_SELECT_SET, start, nullptr, count, nullptr);
  Handle mem_space(H5Screate_simple(2, count, nullptr), H5Sclose);
  if (H5Dwrite(ds.id, H5T_NATIVE_FLOAT, mem_space.id, file_space.id, H5P_DEFAULT, data) < 0) {
    fail("cannot write rows of dataset " + where(name));
  }
}

void Location::write(const std::string& name, const std::vector<std::string>& data) const {
  Handle type = text_type();
  std::vector<const char*> ptrs;
  ptrs.reserve(data.size());
  for (const auto& s : data) ptrs.push_back(s.c_str());
  hsize_t dim = data.size();
  Handle space(H5Screate_simple(1, &dim, nullptr), H5Sclose);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_obj_track_times(dcpl.id, 0);
  Handle ds(H5Dcreate2(id_, name.c_str(), type.id, space.id, H5P_DEFAULT, dcpl.id, H5P_DEFAULT),
            H5Dclose);
  if (ds.id < 0) fail("cannot create dataset " + where(name));
  if (H5Dwrite(ds.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0) {
    fail("cannot write dataset " + where(name));
  }
}

std::vector<std::uint64_t> Location::shape(const std::string& name) const {
  if (!has(name)) fail(where(name) + ": missing dataset");
  Handle ds(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (ds.id < 0) fail(where(name) + ": not a readable dataset");
  Handle space(H5Dget_space(ds.id), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.id);
  if (rank < 0) fail(where(name) + ": unreadable shape");
  std::vector<hsize_t> d(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.id, d.data(), nullptr);
  return std::vector<std::uint64_t>(d.begin(), d.end());
}

namespace {

// Selects rows [first, first + count) of an open dataset's 1- or 2-dimensional file space and
// returns the matching memory space; `values` receives count * columns.
Handle select_rows(const std::string& where, std::uint64_t first, std::uint64_t count,
                   Handle& file_space, std::size_t& values) {
  const int rank = H5Sget_simple_extent_ndims(file_space.id);
  if (rank < 1 || rank > 2) {
    fail(where + ": expected 1 or 2 dimensions, got " + std::to_string(rank));
  }
  hsize_t d[2] = {0, 1};
  H5Sget_simple_extent_dims(file_space.id, d, nullptr);
  if (first > d[0] || count > d[0] - first) {
    fail(where + ": rows " + std::to_string(first) + ".." + std::to_string(first + count) +
         " outside its " + std::to_string(d[0]) + " rows");
  }
  hsize_t start[2] = {first, 0}, n[2] = {count, d[1]};
  values = static_cast<std::size_t>(count * (rank == 2 ? d[1] : 1));
  if (count > 0) H5Sselect_hyperslab(file_space.id, H5S_SELECT_SET, start, nullptr, n, nullptr);
  return Handle(H5Screate_simple(rank, n, nullptr), H5Sclose);
}

}  // namespace

template <typename T>
std::vector<T> Location::read_numeric_rows(const std::string& name, hid mem_type,
                                           std::uint64_t first, std::uint64_t count) const {
  if (!has(name)) fail(where(name) + ": missing dataset");
  Handle ds(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (ds.id < 0) fail(where(name) + ": not a readable dataset");
  Handle ftype(H5Dget_type(ds.id), H5Tclose);
  const H5T_class_t cls = H5Tget_class(ftype.id);
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) fail(where(name) + ": expected a numeric dataset");
  // HDF5 would convert either way; a float label or an integer flux is a writer's mistake.
  if (std::is_floating_point_v<T> != (cls == H5T_FLOAT)) {
    fail(where(name) + (std::is_floating_point_v<T> ? ": expected floating-point values, found "
                                                      "integers"
                                                    : ": expected integers, found "
                                                      "floating-point values"));
  }
  Handle file_space(H5Dget_space(ds.id), H5Sclose);
  std::size_t values = 0;
  Handle mem_space = select_rows(where(name), first, count, file_space, values);
  std::vector<T> out(values);
  if (values > 0 &&
      H5Dread(ds.id, mem_type, mem_space.id, file_space.id, H5P_DEFAULT, out.data()) < 0) {
    fail(where(name) + ": read failed (corrupt or truncated file?)");
  }
  return out;
}

std::vector<double> Location::read_f64_rows(const std::string& n, std::uint64_t first,
                                            std::uint64_t count) const {
  return read_numeric_rows<double>(n, H5T_NATIVE_DOUBLE, first, count);
}
std::vector<float> Location::read_f32_rows(const std::string& n, std::uint64_t first,
                                           std::uint64_t count) const {
  return read_numeric_rows<float>(n, H5T_NATIVE_FLOAT, first, count);
}
std::vector<std::int64_t> Location::read_i64_rows(const std::string& n, std::uint64_t first,
                                                  std::uint64_t count) const {
  return read_numeric_rows<std::int64_t>(n, H5T_NATIVE_INT64, first, count);
}
std::vector<std::int32_t> Location::read_i32_rows(const std::string& n, std::uint64_t first,
                                                  std::uint64_t count) const {
  return read_numeric_rows<std::int32_t>(n, H5T_NATIVE_INT32, first, count);
}
std::vector<std::uint8_t> Location::read_u8_rows(const std::string& n, std::uint64_t first,
                                                 std::uint64_t count) const {
  return read_numeric_rows<std::uint8_t>(n, H5T_NATIVE_UINT8, first, count);
}

std::vector<std::string> Location::read_string_rows(const std::string& name, std::uint64_t first,
                                                    std::uint64_t count) const {
  if (!has(name)) fail(where(name) + ": missing dataset");
  Handle ds(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (ds.id < 0) fail(where(name) + ": not a readable dataset");
  Handle ftype(H5Dget_type(ds.id), H5Tclose);
  if (H5Tget_class(ftype.id) != H5T_STRING) fail(where(name) + ": expected strings");
  Handle file_space(H5Dget_space(ds.id), H5Sclose);
  if (H5Sget_simple_extent_ndims(file_space.id) != 1) {
    fail(where(name) + ": expected 1 dimension");
  }
  std::size_t n = 0;
  Handle mem_space = select_rows(where(name), first, count, file_space, n);
  std::vector<std::string> out(n);
  if (n == 0) return out;
  if (H5Tis_variable_str(ftype.id) > 0) {
    Handle mtype(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mtype.id, H5T_VARIABLE);
    H5Tset_cset(mtype.id, H5Tget_cset(ftype.id));
    std::vector<char*> ptrs(n, nullptr);
    if (H5Dread(ds.id, mtype.id, mem_space.id, file_space.id, H5P_DEFAULT, ptrs.data()) < 0) {
      fail(where(name) + ": read failed");
    }
    for (std::size_t i = 0; i < n; ++i) out[i] = ptrs[i] ? ptrs[i] : "";
    H5Dvlen_reclaim(mtype.id, mem_space.id, H5P_DEFAULT, ptrs.data());
  } else {
    const std::size_t width = H5Tget_size(ftype.id);
    std::vector<char> buf(n * width);
    if (H5Dread(ds.id, ftype.id, mem_space.id, file_space.id, H5P_DEFAULT, buf.data()) < 0) {
      fail(where(name) + ": read failed");
    }
    for (std::size_t i = 0; i < n; ++i) {
      const char* p = buf.data() + i * width;
      out[i] = std::string(p, strnlen(p, width));
    }
  }
  return out;
}

template <typename T>
std::vector<T> Location::read_numeric(const std::string& name, hid mem_type,
                                      std::vector<std::uint64_t>* dims) const {
  const auto d = shape(name);
  auto out = read_numeric_rows<T>(name, mem_type, 0, d.empty() ? 0 : d[0]);
  if (dims) *dims = d;
  return out;
}

std::vector<double> Location::read_f64(const std::string& n, std::vector<std::uint64_t>* d) const {
  return read_numeric<double>(n, H5T_NATIVE_DOUBLE, d);
}
std::vector<float> Location::read_f32(const std::string& n, std::vector<std::uint64_t>* d) const {
  return read_numeric<float>(n, H5T_NATIVE_FLOAT, d);
}
std::vector<std::int64_t> Location::read_i64(const std::string& n,
                                             std::vector<std::uint64_t>* d) const {
  return read_numeric<std::int64_t>(n, H5T_NATIVE_INT64, d);
}
std::vector<std::int32_t> Location::read_i32(const std::string& n,
                                             std::vector<std::uint64_t>* d) const {
  return read_numeric<std::int32_t>(n, H5T_NATIVE_INT32, d);
}
std::vector<std::uint8_t> Location::read_u8(const std::string& n,
                                            std::vector<std::uint64_t>* d) const {
  return read_numeric<std::uint8_t>(n, H5T_NATIVE_UINT8, d);
}

std::vector<std::string> Location::read_strings(const std::string& name) const {
  const auto d = shape(name);
  if (d.size() != 1) fail(where(name) + ": expected 1 dimension");
  return read_string_rows(name, 0, d[0]);
}

void Location::create_appendable(const std::string& name, Type type, std::uint64_t cols) const {
  const int rank = cols == 0 ? 1 : 2;
  hsize_t dims[2] = {0, cols}, max[2] = {H5S_UNLIMITED, cols};
  Handle space(H5Screate_simple(rank, dims, max), H5Sclose);
  Handle plist(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_obj_track_times(plist.id, 0);
  // About 64 Ki values per chunk: large enough for deflate, small enough for partial reads.
  hsize_t chunk[2] = {std::max<hsize_t>(1, (1u << 16) / std::max<hsize_t>(1, cols)), cols};
  if (type == Type::text) chunk[0] = 4096;
  H5Pset_chunk(plist.id, rank, chunk);
  if (type != Type::text) {
    H5Pset_shuffle(plist.id);
    H5Pset_deflate(plist.id, 1);
  }
  Handle text = text_type();
  const hid_t file_type = type == Type::f32   ? H5T_IEEE_F32LE
                          : type == Type::f64 ? H5T_IEEE_F64LE
                          : type == Type::i32 ? H5T_STD_I32LE
                          : type == Type::u8  ? H5T_STD_U8LE
                                              : text.id;
  Handle ds(H5Dcreate2(id_, name.c_str(), file_type, space.id, H5P_DEFAULT, plist.id, H5P_DEFAULT),
            H5Dclose);
  if (ds.id < 0) fail("cannot create dataset " + where(name));
}

void Location::append(const std::string& name, hid mem_type, const void* data,
                      std::uint64_t rows) const {
  if (rows == 0) return;
  Handle ds(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (ds.id < 0) fail("cannot open dataset " + where(name));
  Handle old_space(H5Dget_space(ds.id), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(old_space.id);
  hsize_t d[2] = {0, 1};
  H5Sget_simple_extent_dims(old_space.id, d, nullptr);
  const hsize_t first = d[0];
  d[0] += rows;
  if (H5Dset_extent(ds.id, d) < 0) fail("cannot extend dataset " + where(name));
  Handle file_space(H5Dget_space(ds.id), H5Sclose);
  hsize_t start[2] = {first, 0}, count[2] = {rows, d[1]};
  H5Sselect_hyperslab(file_space.id, H5S_SELECT_SET, start, nullptr, count, nullptr);
  Handle mem_space(H5Screate_simple(rank, count, nullptr), H5Sclose);
  if (H5Dwrite(ds.id, mem_type, mem_space.id, file_space.id, H5P_DEFAULT, data) < 0) {
    fail("cannot append to dataset " + where(name));
  }
}

void Location::append_rows(const std::string& name, const float* data, std::uint64_t rows) const {
  append(name, H5T_NATIVE_FLOAT, data, rows);
}
void Location::append_rows(const std::string& name, const double* data, std::uint64_t rows) const {
  append(name, H5T_NATIVE_DOUBLE, data, rows);
}
void Location::append_rows(const std::string& name, const std::int32_t* data,
                           std::uint64_t rows) const {
  append(name, H5T_NATIVE_INT32, data, rows);
}
void Location::append_rows(const std::string& name, const std::uint8_t* data,
                           std::uint64_t rows) const {
  append(name, H5T_NATIVE_UINT8, data, rows);
}
void Location::append_rows(const std::string& name, const std::vector<std::string>& rows) const {
  std::vector<const char*> ptrs;
  ptrs.reserve(rows.size());
  for (const auto& s : rows) ptrs.push_back(s.c_str());
  Handle type = text_type();
  append(name, type.id, ptrs.data(), rows.size());
}

void Location::set_attr(const std::string& name, const std::string& value) const {
  Handle type = text_type();
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(id_, name.c_str(), type.id, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  const char* p = value.c_str();
  if (attr.id < 0 || H5Awrite(attr.id, type.id, &p) < 0) {
    fail("cannot write attribute " + name + " of " + where());
  }
}

void Location::set_attr(const std::string& name, std::int64_t value) const {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(id_, name.c_str(), H5T_STD_I64LE, space.id, H5P_DEFAULT, H5P_DEFAULT),
              H5Aclose);
  if (attr.id < 0 || H5Awrite(attr.id, H5T_NATIVE_INT64, &value) < 0) {
    fail("cannot write attribute " + name + " of " + where());
  }
}

void Location::set_attr(const std::string& name, double value) const {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(id_, name.c_str(), H5T_IEEE_F64LE, space.id, H5P_DEFAULT, H5P_DEFAULT),
              H5Aclose);
  if (attr.id < 0 || H5Awrite(attr.id, H5T_NATIVE_DOUBLE, &value) < 0) {
    fail("cannot write attribute " + name + " of " + where());
  }
}

double Location::attr_double(const std::string& name) const {
  if (!has_attr(name)) fail(where() + ": missing attribute " + name);
  Handle attr(H5Aopen(id_, name.c_str(), H5P_DEFAULT), H5Aclose);
  double v = 0;
  if (H5Aread(attr.id, H5T_NATIVE_DOUBLE, &v) < 0) {
    fail(where() + ": cannot read attribute " + name + " as a number");
  }
  return v;
}

bool Location::has_attr(const std::string& name) const {
  return H5Aexists(id_, name.c_str()) > 0;
}

std::string Location::attr_string(const std::string& name) const {
  if (!has_attr(name)) fail(where() + ": missing attribute " + name);
  Handle attr(H5Aopen(id_, name.c_str(), H5P_DEFAULT), H5Aclose);
  Handle ftype(H5Aget_type(attr.id), H5Tclose);
  if (H5Tget_class(ftype.id) != H5T_STRING) fail(where() + ": attribute " + name + " not text");
  if (H5Tis_variable_str(ftype.id) > 0) {
    Handle mtype(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mtype.id, H5T_VARIABLE);
    H5Tset_cset(mtype.id, H5Tget_cset(ftype.id));
    char* p = nullptr;
    if (H5Aread(attr.id, mtype.id, &p) < 0) fail(where() + ": cannot read attribute " + name);
    std::string s = p ? p : "";
    H5free_memory(p);
    return s;
  }
  const std::size_t width = H5Tget_size(ftype.id);
  std::vector<char> buf(width + 1, '\0');
  if (H5Aread(attr.id, ftype.id, buf.data()) < 0) {
    fail(where() + ": cannot read attribute " + name);
  }
  return std::string(buf.data(), strnlen(buf.data(), width));
}

std::int64_t Location::attr_int(const std::string& name) const {
  if (!has_attr(name)) fail(where() + ": missing attribute " + name);
  Handle attr(H5Aopen(id_, name.c_str(), H5P_DEFAULT), H5Aclose);
  Handle ftype(H5Aget_type(attr.id), H5Tclose);
  if (H5Tget_class(ftype.id) != H5T_INTEGER) {
    fail(where() + ": attribute " + name + " is not an integer");
  }
  std::int64_t v = 0;
  if (H5Aread(attr.id, H5T_NATIVE_INT64, &v) < 0) {
    fail(where() + ": cannot read attribute " + name);
  }
  return v;
}

}  // namespace astrom3::data::h5

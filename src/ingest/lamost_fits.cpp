#include "astrom3/ingest/lamost_fits.h"

#include <fitsio.h>

#include <cmath>
#include <cstdlib>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/error.h"
#include "astrom3/ingest/text_table.h"
#include "astrom3/io/gzip.h"

namespace astrom3::ingest {
namespace {

// LAMOST LRS spectra have ~3900 pixels; a corrupt header may claim billions.
constexpr long kMaxPixels = 1L << 20;

// CFITSIO's message for `status` plus the most recent entry of its error stack.
std::string fits_message(int status) {
  char text[FLEN_STATUS] = {0};
  fits_get_errstatus(status, text);
  std::string out = text;
  char detail[FLEN_ERRMSG] = {0};
  std::string last;
  while (fits_read_errmsg(detail)) last = detail;
  if (!last.empty() && last != out) out += " (" + last + ")";
  return out;
}

// Upper bound on an inflated spectrum file (LAMOST LRS files are about 0.3 MB).
constexpr std::size_t kMaxFileBytes = std::size_t{1} << 30;

// A FITS file held in memory. Reading loads the file's bytes (inflated when gzip) and opens
// them with fits_open_memfile; writing builds the file with fits_create_memfile and save()
// stores it. CFITSIO never sees the path: its own file-name parsing treats brackets, "+" and
// ".Z" anywhere in a path as syntax (see io/gzip.h).
class FitsFile {
 public:
  enum class Mode { kRead, kCreate };

  FitsFile(const std::filesystem::path& path, Mode mode) : path_(path.string()) {
    int status = 0;
    if (mode == Mode::kRead) {
      bytes_ = read_file_bytes(path);
      if (io::is_gzip(bytes_)) bytes_ = io::gunzip(bytes_, path_, kMaxFileBytes);
      memory_ = bytes_.data();
      size_ = bytes_.size();
      fits_open_memfile(&f_, "spectrum.fits", READONLY, &memory_, &size_, 0, nullptr, &status);
    } else {
      // CFITSIO grows this block with realloc as the file is written; freed in the destructor.
      size_ = 2880;
      memory_ = std::malloc(size_);
      if (!memory_) fail("cannot allocate memory for the FITS file");
      owns_memory_ = true;
      fits_create_memfile(&f_, &memory_, &size_, 2880, std::realloc, &status);
    }
    if (status) {
      if (f_) {
        int ignored = 0;
        fits_close_file(f_, &ignored);
      }
      f_ = nullptr;
      release();
      fail(mode == Mode::kCreate ? "cannot create FITS file" : "not a readable FITS file", status);
    }
  }
  ~FitsFile() {
    if (f_) {
      int status = 0;
      fits_close_file(f_, &status);
    }
    release();
  }
  FitsFile(const FitsFile&) = delete;
  FitsFile& operator=(const FitsFile&) = delete;

  fitsfile* get() const { return f_; }
  [[noreturn]] void fail(const std::string& what, int status = 0) const {
    throw DataError(path_ + ": " + what + (status ? ": " + fits_message(status) : ""));
  }
  void check(int status, const std::string& what) const {
    if (status) fail(what, status);
  }
  /// Fails unless the current HDU's data unit lies wholly inside the bytes read. CFITSIO reads
  /// a memory file's missing tail as zeros instead of reporting the truncation.
  void require_complete_hdu() const {
    int status = 0, bitpix = 0, naxis = 0;
    LONGLONG head = 0, data = 0, end = 0;
    fits_get_hduaddrll(f_, &head, &data, &end, &status);
    fits_read_key(f_, TINT, "BITPIX", &bitpix, nullptr, &status);
    fits_read_key(f_, TINT, "NAXIS", &naxis, nullptr, &status);
    check(status, "cannot read the HDU structure");
    // FITS standard 4.4.1: |BITPIX|/8 x GCOUNT x (PCOUNT + NAXIS1 x ... x NAXISn).
    LONGLONG elements = naxis > 0 ? 1 : 0;
    for (int i = 1; i <= naxis; ++i) {
      LONGLONG axis = 0;
      fits_read_key(f_, TLONGLONG, ("NAXIS" + std::to_string(i)).c_str(), &axis, nullptr, &status);
      elements *= axis;
    }
    LONGLONG pcount = 0, gcount = 1;
    int optional = 0;
    fits_read_key(f_, TLONGLONG, "PCOUNT", &pcount, nullptr, &optional);
    optional = 0;
    fits_read_key(f_, TLONGLONG, "GCOUNT", &gcount, nullptr, &optional);
    fits_clear_errmsg();
    check(status, "cannot read the HDU structure");
    const LONGLONG bytes = std::abs(bitpix) / 8 * gcount * (pcount + elements);
    if (data + bytes > static_cast<LONGLONG>(bytes_.size())) {
      fail("truncated file: the data unit ends at byte " + std::to_string(data + bytes) +
           " but the file has " + std::to_string(bytes_.size()));
    }
  }
  /// Finishes a created file and writes it to the path atomically, gzip-compressed when the
  /// name ends in ".gz". Errors surface here, not silently in the destructor.
  void save() {
    int status = 0;
    // The end of the last HDU's data unit (fill included) is the file's size; the memory block
    // may be larger.
    LONGLONG head = 0, data = 0, end = 0;
    fits_get_hduaddrll(f_, &head, &data, &end, &status);
    fits_close_file(f_, &status);
    f_ = nullptr;
    check(status, "cannot finish writing");
    std::string file(static_cast<const char*>(memory_), static_cast<std::size_t>(end));
    release();
    const bool gz = path_.size() > 3 && path_.compare(path_.size() - 3, 3, ".gz") == 0;
    write_text_file_atomic(path_, gz ? io::gzip(file) : file);
  }

 private:
  void release() {
    if (owns_memory_) std::free(memory_);
    owns_memory_ = false;
    memory_ = nullptr;
  }

  std::string path_;
  std::string bytes_;  // the file read, inflated; memory_ points into it when reading
  void* memory_ = nullptr;
  std::size_t size_ = 0;
  bool owns_memory_ = false;
  fitsfile* f_ = nullptr;
};

void require_finite(const FitsFile& f, const std::vector<float>& v, const char* what) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) {
      f.fail(std::string("non-finite ") + what + " at pixel " + std::to_string(i));
    }
  }
}

SpectrumData read_image_layout(const FitsFile& f) {
  int status = 0, bitpix = 0, naxis = 0;
  long naxes[3] = {0, 0, 0};
  fits_get_img_param(f.get(), 3, &bitpix, &naxis, naxes, &status);
  f.check(status, "cannot read the primary image header");
  if (naxis != 2 || naxes[1] < 3 || naxes[1] > 16 || naxes[0] < 2 || naxes[0] > kMaxPixels) {
    f.fail(
        "not a LAMOST LRS spectrum: the primary HDU is not a pixels x 5 image and there is no "
        "COADD table (NAXIS=" +
        std::to_string(naxis) + ")");
  }
  const long n = naxes[0];
  const long rows = naxes[1];
  std::vector<float> image(static_cast<std::size_t>(n * rows));
  float nulval = 0.0f;
  int anynul = 0;
  fits_read_img(f.get(), TFLOAT, 1, n * rows, &nulval, image.data(), &anynul, &status);
  f.check(status, "cannot read the image data (truncated file?)");

  SpectrumData s;
  s.flux.assign(image.begin(), image.begin() + n);
  s.ivar.assign(image.begin() + n, image.begin() + 2 * n);
  double c0 = 0.0, c1 = 0.0;
  int s0 = 0, s1 = 0;
  fits_read_key(f.get(), TDOUBLE, "COEFF0", &c0, nullptr, &s0);
  fits_read_key(f.get(), TDOUBLE, "COEFF1", &c1, nullptr, &s1);
  fits_clear_errmsg();
  if (s0 == 0 && s1 == 0) {
    s.wavelength.resize(static_cast<std::size_t>(n));
    for (long i = 0; i < n; ++i) s.wavelength[i] = lamost_wavelength(c0, c1, static_cast<int>(i));
  } else {
    s.wavelength.assign(image.begin() + 2 * n, image.begin() + 3 * n);
  }
  return s;
}

std::vector<float> read_vector_column(const FitsFile& f, const char* name, long& length) {
  int status = 0, col = 0, type = 0;
  long repeat = 0, width = 0;
  fits_get_colnum(f.get(), CASEINSEN, const_cast<char*>(name), &col, &status);
  f.check(status, std::string("COADD table has no column ") + name);
  fits_get_coltype(f.get(), col, &type, &repeat, &width, &status);
  f.check(status, std::string("cannot read the type of column ") + name);
  if (length < 0) length = repeat;
  if (repeat != length || repeat < 2 || repeat > kMaxPixels) {
    f.fail(std::string("column ") + name + " has " + std::to_string(repeat) +
           " elements, expected " + std::to_string(length));
  }
  std::vector<float> v(static_cast<std::size_t>(repeat));
  float nulval = 0.0f;
  int anynul = 0;
  fits_read_col(f.get(), TFLOAT, col, 1, 1, repeat, &nulval, v.data(), &anynul, &status);
  f.check(status, std::string("cannot read column ") + name + " (truncated file?)");
  return v;
}

SpectrumData read_table_layout(const FitsFile& f) {
  int status = 0;
  long rows = 0;
  fits_get_num_rows(f.get(), &rows, &status);
  f.check(status, "cannot read the COADD table");
  if (rows < 1) f.fail("the COADD table has no rows");
  SpectrumData s;
  long length = -1;
  s.flux = read_vector_column(f, "FLUX", length);
  s.ivar = read_vector_column(f, "IVAR", length);
  s.wavelength = read_vector_column(f, "WAVELENGTH", length);
  return s;
}

}  // namespace

const char* layout_name(LamostLayout layout) {
  return layout == LamostLayout::kImage ? "image" : "coadd-table";
}

float lamost_wavelength(double coeff0, double coeff1, int pixel) {
  return static_cast<float>(std::pow(10.0, coeff0 + coeff1 * pixel));
}

bool on_lamost_grid(const std::vector<float>& wavelength, double coeff0, double coeff1) {
  for (std::size_t i = 0; i < wavelength.size(); ++i) {
    if (wavelength[i] != lamost_wavelength(coeff0, coeff1, static_cast<int>(i))) return false;
  }
  return !wavelength.empty();
}

LamostSpectrum read_lamost_fits(const std::filesystem::path& path) {
  if (!std::filesystem::is_regular_file(path)) {
    throw DataError(path.string() + ": no such spectrum file");
  }
  FitsFile f(path, FitsFile::Mode::kRead);
  LamostSpectrum out;
  int status = 0;
  fits_movnam_hdu(f.get(), BINARY_TBL, const_cast<char*>("COADD"), 0, &status);
  if (status == 0) {
    out.layout = LamostLayout::kCoaddTable;
    f.require_complete_hdu();
    out.data = read_table_layout(f);
  } else {
    fits_clear_errmsg();
    status = 0;
    fits_movabs_hdu(f.get(), 1, nullptr, &status);
    f.check(status, "cannot read the primary HDU");
    out.layout = LamostLayout::kImage;
    f.require_complete_hdu();
    out.data = read_image_layout(f);
  }
  require_finite(f, out.data.wavelength, "wavelength");
  require_finite(f, out.data.flux, "flux");
  require_finite(f, out.data.ivar, "ivar");
  return out;
}

void write_lamost_fits(const std::filesystem::path& path, const SpectrumData& s,
                       LamostLayout layout) {
  const long n = static_cast<long>(s.flux.size());
  if (s.wavelength.size() != s.flux.size() || s.ivar.size() != s.flux.size() || n == 0) {
    throw Error(path.string() + ": spectrum arrays are empty or of different lengths");
  }
  FitsFile f(path, FitsFile::Mode::kCreate);
  int status = 0;
  if (layout == LamostLayout::kImage) {
    if (!on_lamost_grid(s.wavelength, kLamostCoeff0, kLamostCoeff1)) {
      f.fail("the image layout needs a spectrum on LAMOST's log-linear grid");
    }
    long naxes[2] = {n, 5};
    fits_create_img(f.get(), FLOAT_IMG, 2, naxes, &status);
    double c0 = kLamostCoeff0, c1 = kLamostCoeff1;
    fits_write_key(f.get(), TDOUBLE, "COEFF0", &c0, "Central wavelength (log10) of first pixel",
                   &status);
    fits_write_key(f.get(), TDOUBLE, "COEFF1", &c1, "Log10 dispersion per pixel", &status);
    std::vector<float> image(static_cast<std::size_t>(5 * n), 0.0f);
    std::copy(s.flux.begin(), s.flux.end(), image.begin());
    std::copy(s.ivar.begin(), s.ivar.end(), image.begin() + n);
    std::copy(s.wavelength.begin(), s.wavelength.end(), image.begin() + 2 * n);
    fits_write_img(f.get(), TFLOAT, 1, 5 * n, image.data(), &status);
  } else {
    fits_create_img(f.get(), BYTE_IMG, 0, nullptr, &status);
    const std::string form = std::to_string(n) + "E";
    const char* names[] = {"FLUX", "IVAR", "WAVELENGTH", "ANDMASK", "ORMASK", "NORMALIZATION"};
    std::vector<std::string> forms(6, form);
    char* ttype[6];
    char* tform[6];
    for (int c = 0; c < 6; ++c) {
      ttype[c] = const_cast<char*>(names[c]);
      tform[c] = const_cast<char*>(forms[c].c_str());
    }
    fits_create_tbl(f.get(), BINARY_TBL, 1, 6, ttype, tform, nullptr, "COADD", &status);
    const std::vector<float> zeros(static_cast<std::size_t>(n), 0.0f);
    const std::vector<float> ones(static_cast<std::size_t>(n), 1.0f);
    const std::vector<float>* columns[] = {&s.flux, &s.ivar, &s.wavelength, &zeros, &zeros, &ones};
    for (int c = 0; c < 6; ++c) {
      fits_write_col(f.get(), TFLOAT, c + 1, 1, 1, n, const_cast<float*>(columns[c]->data()),
                     &status);
    }
  }
  f.check(status, "cannot write the spectrum");
  f.save();
}

}  // namespace astrom3::ingest

// LAMOST low-resolution (LRS) spectra in FITS, read and written with CFITSIO. Both layouts of
// the public data releases occur in the AstroM3 dataset (docs/data-import.md):
//   * image: one HDU, a float32 image NAXIS1 = pixels x NAXIS2 = 5 whose rows are flux, ivar,
//     wavelength, andmask, ormask; the wavelength is rebuilt as 10^(COEFF0 + i COEFF1) as the
//     official reader does (row 2 is used only when the COEFF keys are missing);
//   * coadd table: an empty primary HDU and a binary table EXTNAME = 'COADD' with one row of
//     vector columns FLUX, IVAR, WAVELENGTH (plus ANDMASK, ORMASK, NORMALIZATION).
// gzip-compressed files (.fits.gz) are read and written transparently: the bytes are inflated
// and deflated by io/gzip.h and CFITSIO works on memory, so any path works.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace astrom3::ingest {

/// One spectrum: wavelength in Angstrom (vacuum), flux in arbitrary units, ivar its inverse
/// variance (0 = bad pixel). All three have the same length.
struct SpectrumData {
  std::vector<float> wavelength, flux, ivar;
};

enum class LamostLayout { kImage, kCoaddTable };
const char* layout_name(LamostLayout layout);

struct LamostSpectrum {
  SpectrumData data;
  LamostLayout layout = LamostLayout::kImage;
};

/// Reads either layout. Throws DataError naming the file for an unreadable, truncated or
/// non-LAMOST FITS file (wrong image shape, no COADD table, missing or mismatched columns) and
/// for non-finite values.
LamostSpectrum read_lamost_fits(const std::filesystem::path& path);

/// LAMOST's log-linear grid: pixel i is at 10^(coeff0 + i coeff1) Angstrom, rounded to float.
float lamost_wavelength(double coeff0, double coeff1, int pixel);
inline constexpr double kLamostCoeff0 = 3.5682;
inline constexpr double kLamostCoeff1 = 1e-4;

/// True when `wavelength` is exactly LAMOST's grid for (coeff0, coeff1).
bool on_lamost_grid(const std::vector<float>& wavelength, double coeff0, double coeff1);

/// Writes `spectrum` in `layout`; a path ending in ".gz" is gzip-compressed. The image layout
/// needs the spectrum on LAMOST's grid (on_lamost_grid with the default coefficients): its
/// wavelengths are stored through COEFF0/COEFF1. Overwrites an existing file. Throws Error.
void write_lamost_fits(const std::filesystem::path& path, const SpectrumData& spectrum,
                       LamostLayout layout);

}  // namespace astrom3::ingest

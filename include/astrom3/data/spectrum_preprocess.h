// Spectrum preprocessing (arXiv 2411.08842 §4.2; docs/preprocessing.md), with degenerate cases
// defined (docs/preprocessing.md):
//   * pixels with a non-finite wavelength, flux or ivar are dropped; the rest are sorted by
//     wavelength (np.interp needs increasing abscissae);
//   * flux and ivar are linearly interpolated onto 3850, 3852, ..., 8998 Angstrom, flat
//     outside the spectrum's coverage (np.interp semantics);
//   * a spectrum whose wavelength range covers less than `min_coverage` of the grid points is
//     rejected, so that flat extrapolation never makes up most of the input;
//   * the mean is taken over all 2575 grid values, the MAD over the non-zero ones (as the
//     official code); scale fallbacks as for light curves (MAD, else std, else 1).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace astrom3::data {

struct PreparedSpectrum {
  std::vector<float> flux;  // [2575] (interp(flux) - mean) / scale
  std::vector<float> ivar;  // [2575] interp(ivar) / scale (the official "error" channel)
  float log10_scale = 0.0f;
  std::string rejection;  // empty if usable

  bool valid() const { return rejection.empty(); }
};

/// wavelength in Angstrom; flux in any unit; ivar the inverse variance of flux.
PreparedSpectrum prepare_spectrum(const float* wavelength, const float* flux, const float* ivar,
                                  std::int64_t n, double min_coverage);

/// Writes the model input [3, 2575] row-major: normalized flux, ivar / scale, log10(scale).
void write_spectrum(const PreparedSpectrum& s, float* out);

/// np.interp: `x` sorted ascending (size n >= 1); values outside [x0, x_{n-1}] are clamped to
/// the end values. Writes one value per grid point.
void interp_linear(const double* x, const double* y, std::int64_t n, const double* grid,
                   std::int64_t grid_size, double* out);

/// The 2575 grid wavelengths.
const std::vector<double>& spectrum_grid();

}  // namespace astrom3::data

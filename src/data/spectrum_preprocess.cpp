#include "astrom3/data/spectrum_preprocess.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "astrom3/data/lightcurve_preprocess.h"
#include "astrom3/data/schema.h"

namespace astrom3::data {

const std::vector<double>& spectrum_grid() {
  static const std::vector<double> grid = [] {
    std::vector<double> g(kSpectrumGridSize);
    for (int i = 0; i < kSpectrumGridSize; ++i) g[i] = kSpectrumGridStart + kSpectrumGridStep * i;
    return g;
  }();
  return grid;
}

void interp_linear(const double* x, const double* y, std::int64_t n, const double* grid,
                   std::int64_t grid_size, double* out) {
  std::int64_t j = 0;  // grid is ascending, so one forward sweep finds every bracket
  for (std::int64_t g = 0; g < grid_size; ++g) {
    const double v = grid[g];
    if (v <= x[0]) {
      out[g] = y[0];
      continue;
    }
    if (v >= x[n - 1]) {
      out[g] = y[n - 1];
      continue;
    }
    while (j + 1 < n && x[j + 1] <= v) ++j;  // x[j] <= v < x[j+1]
    const double dx = x[j + 1] - x[j];
    const double w = dx > 0 ? (v - x[j]) / dx : 0.0;
    out[g] = y[j] + w * (y[j + 1] - y[j]);
  }
}

PreparedSpectrum prepare_spectrum(const float* wavelength, const float* flux, const float* ivar,
                                  std::int64_t n, double min_coverage) {
  PreparedSpectrum out;
  std::vector<std::int64_t> keep;
  keep.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    if (std::isfinite(wavelength[i]) && std::isfinite(flux[i]) && std::isfinite(ivar[i])) {
      keep.push_back(i);
    }
  }
  if (keep.empty()) {
    out.rejection = n == 0 ? "empty spectrum" : "no pixel with finite wavelength, flux and ivar";
    return out;
  }
  if (!std::is_sorted(keep.begin(), keep.end(), [&](std::int64_t a, std::int64_t b) {
        return wavelength[a] < wavelength[b];
      })) {
    std::stable_sort(keep.begin(), keep.end(),
                     [&](std::int64_t a, std::int64_t b) { return wavelength[a] < wavelength[b]; });
  }
  const std::size_t m = keep.size();
  std::vector<double> x(m), yf(m), yi(m);
  for (std::size_t i = 0; i < m; ++i) {
    x[i] = wavelength[keep[i]];
    yf[i] = flux[keep[i]];
    yi[i] = ivar[keep[i]];
  }

  const auto& grid = spectrum_grid();
  const std::int64_t covered = std::count_if(
      grid.begin(), grid.end(), [&](double g) { return g >= x.front() && g <= x.back(); });
  const double coverage = static_cast<double>(covered) / kSpectrumGridSize;
  if (coverage < min_coverage) {
    std::ostringstream s;
    s << "spectrum covers " << x.front() << "-" << x.back() << " A, " << covered << " of the "
      << kSpectrumGridSize << " grid points (minimum fraction " << min_coverage << ")";
    out.rejection = s.str();
    return out;
  }

  std::vector<double> f(kSpectrumGridSize), iv(kSpectrumGridSize);
  interp_linear(x.data(), yf.data(), static_cast<std::int64_t>(m), grid.data(), kSpectrumGridSize,
                f.data());
  interp_linear(x.data(), yi.data(), static_cast<std::int64_t>(m), grid.data(), kSpectrumGridSize,
                iv.data());

  const double mean = std::accumulate(f.begin(), f.end(), 0.0) / kSpectrumGridSize;
  std::vector<double> nonzero;
  nonzero.reserve(f.size());
  for (double v : f) {
    if (v != 0.0) nonzero.push_back(v);
  }
  const double scale = robust_scale(std::move(nonzero));

  out.flux.resize(kSpectrumGridSize);
  out.ivar.resize(kSpectrumGridSize);
  for (int g = 0; g < kSpectrumGridSize; ++g) {
    out.flux[g] = static_cast<float>((f[g] - mean) / scale);
    out.ivar[g] = static_cast<float>(iv[g] / scale);
  }
  out.log10_scale = static_cast<float>(std::log10(scale));
  return out;
}

void write_spectrum(const PreparedSpectrum& s, float* out) {
  std::copy(s.flux.begin(), s.flux.end(), out);
  std::copy(s.ivar.begin(), s.ivar.end(), out + kSpectrumGridSize);
  std::fill(out + 2 * kSpectrumGridSize, out + 3 * kSpectrumGridSize, s.log10_scale);
}

}  // namespace astrom3::data

// Light-curve preprocessing, as the official pipeline does it (arXiv 2411.08842 §4.1;
// docs/preprocessing.md), with the degenerate cases defined (docs/preprocessing.md):
//   * epochs with a non-finite time, flux or error are dropped first;
//   * exact duplicate rows are removed and the rest sorted by time (np.unique(X, axis=0));
//   * flux is centred on its mean and divided by the *unscaled* MAD. If the MAD is zero (more
//     than half the epochs share one flux value) the population std is used instead, and if
//     that is zero too (constant flux, single epoch) the scale is 1;
//   * a single epoch has t = 0 and delta_t = 0;
//   * a light curve with no usable epoch is rejected (PreparedLightCurve::valid() == false).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace astrom3::data {

/// The deterministic, crop-independent part of preprocessing, at full length.
struct PreparedLightCurve {
  std::vector<float> time;      // [n] (t - t_min) / (t_max - t_min), in [0, 1]
  std::vector<float> flux;      // [n] (flux - mean) / scale
  std::vector<float> flux_err;  // [n] flux_err / scale
  float log10_scale = 0.0f;     // log10(scale), scale > 0
  float delta_t_years = 0.0f;   // (t_max - t_min) / 365 on the whole light curve
  std::string rejection;        // empty if usable; otherwise why not

  bool valid() const { return rejection.empty(); }
  std::int64_t size() const { return static_cast<std::int64_t>(time.size()); }
};

/// time: HJD in days; flux, flux_err in any consistent unit (mJy in the survey files).
PreparedLightCurve prepare_lightcurve(const double* time, const float* flux, const float* flux_err,
                                      std::int64_t n);

/// Where a window of `seq_len` epochs starts in a light curve of `n` epochs.
/// Random crops are uniform over every valid start 0..n-seq_len (the official code's
/// randint(0, n - seq_len) never picks the last one; the official code's src/dataset.py;
/// docs/preprocessing.md). Centre crops start at (n - seq_len) / 2. Returns 0 when n <= seq_len.
std::int64_t centre_crop_start(std::int64_t n, std::int64_t seq_len);
std::int64_t random_crop_start(std::int64_t n, std::int64_t seq_len, std::uint64_t seed);

/// Writes one model input row block.
///   out:  [seq_len, 9] row-major: t, flux, flux_err, photo_features[0..3], log10(scale),
///         delta_t. Padded rows (past the end of a short light curve) have zeros in the first
///         three channels and the six auxiliary values tiled, as the official code does.
///   mask: [seq_len], 1 for real epochs, 0 for padding.
/// photo_features: the 4 z-scored catalogue features.
void write_lightcurve_window(const PreparedLightCurve& lc, std::int64_t start, std::int64_t seq_len,
                             const float* photo_features, float* out, float* mask);

/// Median of |x - median(x)| (scipy.stats.median_abs_deviation, scale = 1). `x` is reordered.
double median_abs_deviation(std::vector<double>& x);

/// The robust scale used for light curves and spectra: MAD, else population std, else 1.
double robust_scale(std::vector<double> values);

}  // namespace astrom3::data

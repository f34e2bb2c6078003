// ASAS-SN-like V-band light curves from per-class shape models.
#pragma once

#include <vector>

#include "astrom3/common/rng.h"
#include "astrom3/synth/star_model.h"

namespace astrom3::synth {

struct RawLightCurve {
  std::vector<double> time;  // HJD [d], ascending except for injected duplicates
  std::vector<float> flux;   // [mJy]
  std::vector<float> flux_err;
  double median_error_mag = 0.0;  // typical photometric error, for the lksl feature
};

/// Magnitude offset (positive = fainter) of the class's light-curve model at time `t` [d]
/// and phase `phase` in [0, 1). Mean over a cycle is not exactly zero; peak-to-peak is about
/// star.amplitude_mag.
double model_delta_mag(const Star& star, double t, double phase);

/// Samples the star: 100-1500 epochs over 2-6 years with seasonal gaps, flux in mJy with
/// magnitude-dependent errors (larger at the faint end in survey version 2), about 0.5 %
/// outliers and 1 % exactly repeated rows.
RawLightCurve simulate_lightcurve(const Star& star, Rng& rng, int version = kLatestSynthVersion);

}  // namespace astrom3::synth

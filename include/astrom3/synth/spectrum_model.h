// LAMOST-LRS-like spectra: 3909 log-linear pixels, lambda = 10^(3.5682 + 1e-4 i) Angstrom,
// black-body continuum times an instrument response, Balmer, Ca II, metal, TiO or C2 features
// by temperature and class, radial-velocity shift, photon noise, inverse variance, and a few
// zero pixels at the red end.
#pragma once

#include <vector>

#include "astrom3/common/rng.h"
#include "astrom3/synth/star_model.h"

namespace astrom3::synth {

inline constexpr int kLamostPixels = 3909;
inline constexpr double kLamostCoeff0 = 3.5682;
inline constexpr double kLamostCoeff1 = 1e-4;

struct RawSpectrum {
  std::vector<float> wavelength;  // [3909] Angstrom (vacuum)
  std::vector<float> flux;        // arbitrary units, 1e2-1e4
  std::vector<float> ivar;        // 1/sigma^2; 0 for bad pixels
};

/// The spectrum of `star` with survey version `version`'s model (star_model.h): version 2 adds
/// interstellar reddening, a flux calibration tilt and scatter, magnitude-dependent
/// signal-to-noise, gravity- and metallicity-sensitive lines.
RawSpectrum simulate_spectrum(const Star& star, Rng& rng, int version = kLatestSynthVersion);

}  // namespace astrom3::synth

// Version 2 of the synthetic survey measures the 4 ASAS-SN catalogue features on the simulated
// light curve itself, as the catalogue measured them on the real one, instead of drawing them
// from class-dependent priors (version 1, star_model.h): a feature carries exactly the class
// information its light curve does.
#pragma once

#include <array>

#include "astrom3/common/rng.h"
#include "astrom3/data/schema.h"
#include "astrom3/synth/lightcurve_model.h"
#include "astrom3/synth/star_model.h"

namespace astrom3::synth {

/// Lafler-Kinman string length of magnitudes `mags` at times `time` [d] folded at `period` [d]:
/// sum over phase-ordered neighbours (cyclically) of (m_i+1 - m_i)^2, over 2 sum (m_i - mean)^2.
/// About 1 for noise or a wrong period, near 0 for a smooth curve at its true period. Needs at
/// least 3 points (else 1).
double lafler_kinman(const std::vector<double>& time, const std::vector<double>& mags,
                     double period);

/// amplitude [mag]: the 2.5-97.5 percentile range of the light curve's magnitudes (noise and
/// outliers included, as a catalogue's robust peak-to-peak has them); period [d]: the star's,
/// with a catalogue's aliases (half or double: 15 % of eclipsing binaries, mostly half; 4 % of
/// the others) and the
/// scatter of an irregular variable's period for SR, ROT and M; lksl_statistic:
/// lafler_kinman() at that period, clamped to [0, 1.2]; rfr_score: a classifier's confidence
/// that grows with the light curve's coherence (1 - lksl) and amplitude-to-noise ratio, with
/// 0.08 of scatter, the same for every class.
std::array<double, data::kNumPhotoCols> measured_catalogue_features(const Star& star,
                                                                    const RawLightCurve& lc,
                                                                    Rng& rng);

}  // namespace astrom3::synth

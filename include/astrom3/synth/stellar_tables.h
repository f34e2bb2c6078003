// Colour and luminosity of a star against its effective temperature, and the draws the class
// priors of star_model.cpp share. Dwarf values in the style of Pecaut & Mamajek (2013); giants
// take the same colours at the same temperature.
#pragma once

#include "astrom3/common/rng.h"

namespace astrom3::synth {

/// Intrinsic Gaia BP - RP [mag] at `teff` [K] (interpolated table, clamped at its ends).
double intrinsic_bp_rp(double teff);
/// Intrinsic V - Ks [mag] at `teff` [K].
double intrinsic_v_minus_k(double teff);
/// Main-sequence absolute V magnitude at `teff` [K].
double main_sequence_abs_mag(double teff);

/// Log-normal draw with median `median` and log-sd `sd`, truncated to [lo, hi] by redrawing
/// (the median clamped to [lo, hi] after 64 misses).
double bounded_lognormal(Rng& rng, double median, double sd, double lo, double hi);
/// Draw uniform in log between lo and hi (both > 0).
double log_uniform(Rng& rng, double lo, double hi);

}  // namespace astrom3::synth

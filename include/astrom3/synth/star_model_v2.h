// Class priors of the synthetic survey's version 2 (docs/synthetic-survey.md): one star's
// period, temperature, luminosity, gravity and metallicity follow published relations, so that
// the light curve, the spectrum and the catalogue describe the same physics.
#pragma once

#include "astrom3/common/rng.h"
#include "astrom3/synth/star_model.h"

namespace astrom3::synth {

/// Fills the class-dependent fields of `star` (period, amplitude, teff, abs_mag_v, metallicity
/// of RR Lyrae stars, giant, carbon, dust, population) for one of the 10 known classes
/// (star.label < data::kNumClasses).
void draw_class_v2(Star& star, Rng& rng, double carbon_mira_fraction);

/// Priors of a spotted rotator (ROT), which both survey versions draw the same way with other
/// numbers: a giant with probability `giant_share` (period log-normal, T_eff [K] and M_V
/// uniform), else a dwarf (period log-normal, T_eff uniform, on the main sequence with 0.3 mag of
/// scatter); the V amplitude log-uniform in [0.03, amplitude_hi] mag.
struct RotatorPriors {
  double giant_share;
  double giant_period_median, giant_period_sd, giant_period_lo, giant_period_hi;
  double giant_teff_lo, giant_teff_hi, giant_mv_lo, giant_mv_hi;
  double dwarf_period_median, dwarf_period_sd, dwarf_period_lo, dwarf_period_hi;
  double dwarf_teff_lo, dwarf_teff_hi;
  double amplitude_hi;
};
void draw_rotator(Star& star, Rng& rng, const RotatorPriors& priors);

/// The vertical scale [pc] of the disk population `star` belongs to: young, hot stars near the
/// plane, old ones further out.
double disk_scale_height_v2(const Star& star);

/// Tangential velocity [km/s]: halo stars fast, thick-disk RR Lyrae intermediate, young active
/// dwarfs slow.
double tangential_velocity_v2(const Star& star, Rng& rng);

/// Gaia's RUWE: near 1 for single stars; raised by unresolved companions (more often for
/// detached binaries, which have wide tertiaries, and active binaries) and by the wandering
/// photocentres of large pulsating giants.
double ruwe_v2(const Star& star, Rng& rng);

}  // namespace astrom3::synth

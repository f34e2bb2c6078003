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

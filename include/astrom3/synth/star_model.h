// Physical parameters of a synthetic variable star and its catalogue entry (Gaia, 2MASS,
// WISE, ASAS-SN features). Priors per class follow the published catalogue
// (docs/synthetic-survey.md); see docs/synthetic-survey.md for the table and for which classes each
// modality confuses.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "astrom3/common/rng.h"
#include "astrom3/data/schema.h"

namespace astrom3::synth {

enum class Population { kThinDisk, kHalo };

/// Star::label values: data::kClassNames order, then kUnseenClassNames order.
namespace star_class {
enum : int { DSCT, EA, EB, EW, HADS, M, ROT, RRAB, RRC, SR, DCEP, T2CEP, LSP, YSO };
}

struct Star {
  int label = 0;               // index into star_class_names()
  double period_days = 1.0;    // fundamental period (rotation or orbit for ROT and binaries)
  double amplitude_mag = 0.1;  // V-band peak-to-peak of the light-curve model
  double teff = 5800.0;        // effective temperature [K]
  double abs_mag_v = 4.8;      // absolute V magnitude at mean light
  double metallicity = 0.0;    // [Fe/H]
  bool giant = false;
  bool carbon = false;  // C-type Mira (C2/CN bands instead of TiO)
  double dust = 0.0;    // circumstellar dust: infrared excess scale [mag]
  Population population = Population::kThinDisk;
  double apparent_v = 12.0;   // mean apparent V (extinction included)
  double extinction_v = 0.0;  // A_V [mag]
  double distance_pc = 1000.0;
  double l_deg = 0.0, b_deg = 0.0;
  double radial_velocity = 0.0;  // [km/s]
  // Light-curve shape parameters (meaning depends on the class; lightcurve_model.cpp).
  std::array<double, 6> shape{};
};

/// Classes outside the label vocabulary that `synth` can plant as unseen objects (open-set
/// evaluation, docs/synthetic-survey.md): classical Cepheids, type II Cepheids, red giants with
/// a long secondary period, young stellar objects. A Star of unseen class k has
/// label = data::kNumClasses + k.
inline constexpr std::array<const char*, 4> kUnseenClassNames = {"DCEP", "T2CEP", "LSP", "YSO"};
inline constexpr int kNumUnseenClasses = static_cast<int>(kUnseenClassNames.size());

/// The 10 known class names followed by the unseen ones: the names of Star::label values.
std::vector<std::string> star_class_names();

/// Share of carbon (C-type) stars among Miras.
inline constexpr double kDefaultCarbonMiraFraction = 0.12;

/// Draws a star of class `label` (index into star_class_names()).
Star draw_star(int label, Rng& rng, double carbon_mira_fraction = kDefaultCarbonMiraFraction);

/// The 34 catalogue columns (data::kMetaCols order, raw: apparent magnitudes, degrees).
std::array<double, data::kNumMetaCols> catalogue_metadata(const Star& star, Rng& rng);

/// The 4 ASAS-SN features (amplitude [mag], period [d], lksl_statistic, rfr_score).
/// `noise_to_signal` is the light curve's median error over its amplitude.
std::array<double, data::kNumPhotoCols> catalogue_features(const Star& star, double noise_to_signal,
                                                           Rng& rng);

/// Main-sequence absolute V magnitude at `teff` (interpolated table).
double main_sequence_abs_mag(double teff);

}  // namespace astrom3::synth

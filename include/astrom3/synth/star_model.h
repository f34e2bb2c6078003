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
#include "astrom3/synth/stellar_tables.h"

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

/// Versions of the synthetic survey's physical model (docs/synthetic-survey.md). 1: the first
/// survey, kept so that its files and the tests pinned to it can be regenerated bit for bit.
/// 2: the three views share one star's physics (period-luminosity-temperature relations,
/// extinction, gravity) and the catalogue features are measured on the light curve.
inline constexpr int kFirstSynthVersion = 1;
inline constexpr int kLatestSynthVersion = 2;

/// Draws a star of class `label` (index into star_class_names()) with the priors of survey
/// version `version`. Unseen classes have version 1's priors in every version.
Star draw_star(int label, Rng& rng, double carbon_mira_fraction = kDefaultCarbonMiraFraction,
               int version = kLatestSynthVersion);

/// The 34 catalogue columns (data::kMetaCols order, raw: apparent magnitudes, degrees).
std::array<double, data::kNumMetaCols> catalogue_metadata(const Star& star, Rng& rng,
                                                          int version = kLatestSynthVersion);

/// Version 1's 4 ASAS-SN features (amplitude [mag], period [d], lksl_statistic, rfr_score), drawn
/// around the star's own values with class-dependent lksl and rfr. `noise_to_signal` is the light
/// curve's median error over its amplitude. Version 2 measures them on the light curve
/// (catalogue_features.h).
std::array<double, data::kNumPhotoCols> catalogue_features(const Star& star, double noise_to_signal,
                                                           Rng& rng);

}  // namespace astrom3::synth

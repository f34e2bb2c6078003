// Known cases planted in a synthetic survey so that the embedding-space tools (`search`,
// `outliers`, `misclassified`, `map`) can be scored against the truth (docs/synthetic-survey.md):
//   * mislabels: a labelled object's catalogue label replaced by another class;
//   * oddballs: objects of one class given foreign signatures (a 0.05-0.2 d pulsation on top of
//     their variability, H-alpha and H-beta emission, a mid-infrared excess), like the
//     pre-main-sequence star the paper found among Algols;
//   * hidden sub-populations already in the physical model: carbon (C-type) and oxygen-rich
//     (M-type) Miras, giant and dwarf rotators; the carbon share is adjustable.
// Planting draws from its own random stream, so a survey without planted cases is unchanged.
#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include "astrom3/common/rng.h"
#include "astrom3/data/schema.h"
#include "astrom3/synth/lightcurve_model.h"
#include "astrom3/synth/spectrum_model.h"
#include "astrom3/synth/star_model.h"

namespace astrom3::synth {

/// What was planted in one object (one row of FILE.truth.csv).
struct PlantedTruth {
  int true_label = -1;  // the physical class; the survey holds the catalogue label
  bool mislabelled = false;
  bool oddball = false;
  std::string subpopulation;  // carbon | oxygen (M), giant | dwarf (ROT), empty otherwise
};

/// The hidden sub-population of a star ("" for classes without one).
std::string subpopulation_of(const Star& star);

/// Adds the oddball signatures to an object's raw light curve, spectrum and metadata.
void plant_oddball(RawLightCurve& lc, RawSpectrum& spectrum,
                   std::array<double, data::kNumMetaCols>& meta, Rng& rng);

/// Writes FILE.truth.csv: id, catalogue_label, true_label, mislabelled, oddball, subpopulation
/// (class names; empty catalogue label for unlabelled objects). Written atomically.
void write_truth_csv(const std::filesystem::path& path, const std::vector<std::string>& ids,
                     const std::vector<std::int32_t>& labels,
                     const std::vector<PlantedTruth>& truth,
                     const std::vector<std::string>& class_names);

/// FILE.h5 -> FILE.truth.csv
std::filesystem::path truth_path_for(const std::filesystem::path& survey_path);

}  // namespace astrom3::synth

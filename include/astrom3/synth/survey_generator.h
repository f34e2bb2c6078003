// `astrom3 synth`: a realistic synthetic trimodal survey (docs/synthetic-survey.md).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "astrom3/data/survey.h"
#include "astrom3/synth/planted_cases.h"
#include "astrom3/synth/star_model.h"

namespace astrom3::synth {

/// The `synth` section of a run config.
struct SynthOptions {
  /// The physical model (star_model.h: kFirstSynthVersion..kLatestSynthVersion), recorded in the
  /// file's provenance as synth_version.
  int version = kLatestSynthVersion;
  std::int64_t objects = 21440;  // labelled objects (the paper's 10-class total)
  std::uint64_t seed = 42;
  std::int64_t unlabeled = 0;  // extra objects without a label (listed in full_* sets)
  /// Relative class weights by class name; absent classes weigh 0. Empty: the paper's class
  /// proportions (arXiv 2411.08842 §3).
  std::map<std::string, double> class_weights;
  /// Planted cases (planted_cases.h): the share of labelled objects whose catalogue label is
  /// wrong, the share of `oddball_class` objects made oddballs, the share of C-type Miras.
  double mislabel_fraction = 0.0;
  double oddball_fraction = 0.0;
  std::string oddball_class = "EA";
  double carbon_mira_fraction = kDefaultCarbonMiraFraction;
  /// Unseen objects: this many more objects of classes outside the 10 (kUnseenClassNames),
  /// without a label, in no split but every split set's `unseen` list.
  std::int64_t unseen = 0;
  /// Relative weights of the unseen classes by name; absent ones weigh 0. Empty: equal.
  std::map<std::string, double> unseen_class_weights;

  bool plants_cases() const {
    return mislabel_fraction > 0 || oddball_fraction > 0 || unseen > 0 ||
           carbon_mira_fraction != kDefaultCarbonMiraFraction;
  }
};

/// Exact per-class counts for `total` objects (largest-remainder rounding of the weights).
std::vector<std::int64_t> class_counts(const SynthOptions& options, std::int64_t total);
/// The same for the unseen classes (kUnseenClassNames order).
std::vector<std::int64_t> unseen_class_counts(const SynthOptions& options, std::int64_t total);

/// Generates the survey with its split sets and normalization statistics. The result depends
/// only on `options` (not on `threads`); adding unseen objects leaves the others unchanged.
/// `truth`, when given, receives what was planted in each object (the true class, an index into
/// star_class_names(); mislabel and oddball flags, the sub-population).
data::Survey generate_survey(const SynthOptions& options, int threads,
                             std::vector<PlantedTruth>* truth = nullptr);

}  // namespace astrom3::synth

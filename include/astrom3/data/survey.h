// The in-memory form of a survey file (docs/data-format.md): raw, unprocessed values of every
// object, each modality with a presence flag, plus the named split sets and the normalization
// statistics fitted on each split set's train split.
//
// Ragged arrays use CSR offsets: the epochs of object i are rows offsets[i] .. offsets[i+1]-1.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "astrom3/data/schema.h"

namespace astrom3::data {

/// Raw light curves (ASAS-SN V band). time: HJD in days; flux and flux_err in mJy.
struct PhotometryTable {
  std::vector<std::uint8_t> present;  // [N]
  std::vector<std::int64_t> offsets;  // [N+1], offsets[0] == 0, non-decreasing
  std::vector<double> time;           // [T]
  std::vector<float> flux;            // [T]
  std::vector<float> flux_err;        // [T]
  /// Catalogue features per object, raw (period in days, untransformed), in kPhotoCols order.
  std::vector<double> features;  // [N, 4] row-major
};

/// Raw spectra (LAMOST LRS). wavelength in Angstrom (vacuum), flux in arbitrary units, ivar the
/// inverse variance of flux.
struct SpectraTable {
  std::vector<std::uint8_t> present;  // [N]
  std::vector<std::int64_t> offsets;  // [N+1]
  std::vector<float> wavelength;      // [S]
  std::vector<float> flux;            // [S]
  std::vector<float> ivar;            // [S]
};

/// Raw catalogue metadata, in kMetaCols order (apparent magnitudes, l and b in degrees).
struct MetadataTable {
  std::vector<std::uint8_t> present;  // [N]
  std::vector<double> values;         // [N, 34] row-major
};

/// Mean and population standard deviation (ddof = 0) of the 38 normalization columns
/// (photo_cols then meta_cols, after the metadata transform), fitted on one train split.
struct NormalizationStats {
  std::vector<double> mean;  // [38]
  std::vector<double> std;   // [38], > 0 (a zero std is stored as 1)
};

/// One named split set such as "full_42" or "sub10_66": row indices into the survey.
struct SplitSet {
  std::string subset;  // full, sub50, sub25, sub10, or a user-defined name
  int seed = 0;
  std::vector<std::int64_t> train, val, test;
  /// Objects without a label that pre-training may use alongside train (never val/test).
  std::vector<std::int64_t> unlabeled;
  /// Unlabelled objects of classes outside the label vocabulary, held out from every other list
  /// for open-set evaluation: `evaluate` scores how well the classifier's unknown-class score
  /// separates them from the test split (docs/predictions.md). Empty in most surveys.
  std::vector<std::int64_t> unseen;
  NormalizationStats normalization;
};

struct Survey {
  std::vector<std::string> ids;          // [N], unique
  std::vector<std::int32_t> labels;      // [N], index into class_names, -1 = unlabeled
  std::vector<std::string> class_names;  // label vocabulary
  PhotometryTable photometry;
  SpectraTable spectra;
  MetadataTable metadata;
  std::map<std::string, SplitSet> split_sets;
  /// Free-form provenance (generator and its config, source files), stored as attributes.
  std::map<std::string, std::string> provenance;

  std::int64_t size() const { return static_cast<std::int64_t>(ids.size()); }

  /// Views of one object's raw values.
  std::int64_t epochs(std::int64_t i) const {
    return photometry.offsets[i + 1] - photometry.offsets[i];
  }
  std::int64_t spectrum_pixels(std::int64_t i) const {
    return spectra.offsets[i + 1] - spectra.offsets[i];
  }
  const double* photo_features(std::int64_t i) const {
    return &photometry.features[i * kNumPhotoCols];
  }
  const double* meta_values(std::int64_t i) const { return &metadata.values[i * kNumMetaCols]; }

  /// Throws DataError if `name` is not a split set of this survey (the message lists them).
  const SplitSet& split_set(const std::string& name) const;
};

/// Appends objects one at a time while keeping the CSR tables consistent.
class SurveyBuilder {
 public:
  explicit SurveyBuilder(std::vector<std::string> class_names);

  struct Object {
    std::string id;
    std::int32_t label = -1;
    // Photometry; empty vectors with has_photometry=false mean "absent".
    bool has_photometry = true;
    std::vector<double> time;
    std::vector<float> flux, flux_err;
    std::array<double, kNumPhotoCols> photo_features{};
    bool has_spectrum = true;
    std::vector<float> wavelength, spec_flux, ivar;
    bool has_metadata = true;
    std::array<double, kNumMetaCols> meta{};
  };

  void add(const Object& object);
  Survey finish();

 private:
  Survey survey_;
};

}  // namespace astrom3::data

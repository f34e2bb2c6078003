// The objects of one split, ready to be cut into model inputs.
//
// Everything in preprocessing that does not depend on the crop (de-duplication, sorting,
// normalization, spectral interpolation, catalogue transform and z-scoring) is a pure function
// of the raw data, so by default it is done once when the store is built and only the crop
// runs per sample. With `cache_preprocessed = false` every fill() redoes it from the raw
// values, as the official data loader does per sample.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "astrom3/data/lightcurve_preprocess.h"
#include "astrom3/data/spectrum_preprocess.h"
#include "astrom3/data/survey.h"

namespace astrom3::data {

/// The `data` section of a run config.
struct DataOptions {
  std::string path = "data/synthetic.h5";  // survey file (HDF5)
  std::string split_set = "full_42";       // e.g. full_42, sub10_66
  std::int64_t seq_len = 200;              // light-curve window length (epochs)
  double min_spectrum_coverage = 0.5;      // fraction of the 2575-point grid a spectrum must span
  bool cache_preprocessed = true;          // prepare once; false = redo per sample
  /// pretrain: train on the split set's train objects and its unlabeled ones (the point of
  /// self-supervision); false = train objects only. Validation is always on val.
  bool pretrain_unlabeled = true;
};

enum class CropMode { kRandom, kCentre };

/// Modalities in tensor order (Batch::present columns).
enum Modality : int { kPhotometry = 0, kSpectra = 1, kMetadata = 2 };
inline constexpr int kNumModalities = 3;

/// Destination of one sample inside batch buffers.
struct SampleSlots {
  float* photometry;  // [seq_len, 9]
  float* mask;        // [seq_len]
  float* spectrum;    // [3, 2575]
  float* metadata;    // [34]
  bool* present;      // [3]
};

class SampleStore {
 public:
  /// `rows` are survey rows; `stats` the split set's normalization. The survey must outlive
  /// the store. `threads` threads prepare the cache (ignored without caching).
  SampleStore(std::shared_ptr<const Survey> survey, std::vector<std::int64_t> rows,
              NormalizationStats stats, const DataOptions& options, int threads);

  std::int64_t size() const { return static_cast<std::int64_t>(rows_.size()); }
  std::int64_t seq_len() const { return seq_len_; }
  std::int64_t row(std::int64_t k) const { return rows_[k]; }
  const Survey& survey() const { return *survey_; }

  /// Writes sample k. For kRandom, `crop_seed` fixes the window start. An absent or rejected
  /// modality is written as zeros with present = false (and an all-zero mask).
  void fill(std::int64_t k, CropMode crop, std::uint64_t crop_seed, const SampleSlots& out) const;

  /// Number of stored samples whose modality was rejected by preprocessing (cached stores
  /// only), with the first reason seen.
  struct Rejections {
    std::int64_t photometry = 0, spectra = 0;
    std::string first_photometry_reason, first_spectra_reason;
  };
  const Rejections& rejections() const { return rejections_; }

 private:
  PreparedLightCurve prepare_lc(std::int64_t row) const;
  PreparedSpectrum prepare_spec(std::int64_t row) const;

  std::shared_ptr<const Survey> survey_;
  std::vector<std::int64_t> rows_;
  NormalizationStats stats_;
  std::int64_t seq_len_;
  double min_coverage_;
  bool cached_;
  std::vector<PreparedLightCurve> lc_;
  std::vector<PreparedSpectrum> spec_;
  std::vector<float> catalogue_;  // [size, 38] z-scored photo_cols + meta_cols
  Rejections rejections_;
};

}  // namespace astrom3::data

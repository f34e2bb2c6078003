// The per-object predictions `astrom3 predict` writes (docs/predictions.md), as CSV for people
// or HDF5 for programs, chosen by the output's extension (.csv; .h5 or .hdf5). Both hold one row
// per object, in the order appended:
//   id, split (train | val | test | unlabeled in the checkpoint's split set, empty if none), label
//   (catalogue class; empty / -1 when none), usable (the object has a modality the classifier
//   reads), reason (why not; empty when usable), modalities (those used, "photometry+spectra";
//   HDF5: /modalities_used/<m> uint8), predicted (class; empty / -1 when not usable), probability
//   (of the predicted class), margin (top probability minus the second), p_<class> for every class
//   (HDF5: /probabilities [N, C] float32); probabilities use the checkpoint's calibrated
//   temperature; unknown_score (eval/open_set.h; empty / NaN when not usable or the checkpoint
//   has no detector) and unknown (1 when the score is above the detector's threshold).
// HDF5 root attributes: format ("astrom3-predictions"), format_version (2), checkpoint, data,
// split_set, selection (predict's --split), class_names and modalities (JSON lists),
// temperature, unknown_score_method ("" without a detector), unknown_threshold, shard_index,
// shard_count, catalogue_objects. Rows are
// written as they are appended (memory follows the block, not the file); files appear
// atomically when complete.
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "astrom3/data/sample_store.h"
#include "astrom3/eval/class_predictions.h"

namespace astrom3::eval {

struct PredictionFileInfo {
  std::string checkpoint;
  std::string data;  // the survey file classified
  std::string split_set;
  std::string selection;  // the objects classified: all, train, val, test, unlabeled, unseen
  std::vector<std::string> class_names;
  std::vector<std::string> modalities;  // the classifier's, in schema order
  double temperature = 1.0;
  std::string precision = "fp32";    // of the forward pass (predict --precision)
  std::string unknown_score_method;  // eval::unknown_score_name; "" without a detector
  double unknown_threshold = std::numeric_limits<double>::quiet_NaN();  // NaN without one
  /// Sharded prediction (--shard I/N): this file holds shard `shard_index` of `shard_count`,
  /// contiguous objects of a catalogue of `catalogue_objects`.
  int shard_index = 0;
  int shard_count = 1;
  std::int64_t catalogue_objects = 0;
};

/// True for a .csv path, false for .h5 / .hdf5; ConfigError for any other extension.
bool is_csv_output(const std::filesystem::path& path);

class PredictionWriter {
 public:
  /// Creates the file under a temporary name next to `path` (ConfigError for an unknown
  /// extension).
  PredictionWriter(const std::filesystem::path& path, const PredictionFileInfo& info);
  ~PredictionWriter();
  PredictionWriter(const PredictionWriter&) = delete;
  PredictionWriter& operator=(const PredictionWriter&) = delete;

  /// Appends the objects of `p`; `split[i]` names object i's split ("" when in none);
  /// `p.present` says which modalities each object has; `unknown_scores` [N] (any float type)
  /// are their unknown-class scores, undefined without a detector.
  void append(const ClassPredictions& p, const std::vector<std::string>& split,
              const torch::Tensor& unknown_scores = {});
  /// Finishes the file and renames it into place; until then nothing exists at the path.
  std::int64_t commit();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// Joins the HDF5 shard files of one `predict --shard` run into `out` (CSV or HDF5 by its
/// extension), in shard order. The shards must agree on checkpoint, survey file, split set,
/// classes, modalities, temperature, unknown-class detector and counts, and every shard must be
/// given once (DataError otherwise); `out` may not be one of them (ConfigError). Shards are read
/// in blocks of rows, so memory does not grow with them. Returns the number of objects.
std::int64_t merge_prediction_files(const std::vector<std::filesystem::path>& shards,
                                    const std::filesystem::path& out);

}  // namespace astrom3::eval

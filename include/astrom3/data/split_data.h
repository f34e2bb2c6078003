// The survey file and the train/val/test sample stores of the configured split set: what a
// training or evaluation command needs before it builds loaders.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "astrom3/data/sample_store.h"
#include "astrom3/data/survey.h"

namespace astrom3::data {

struct SplitData {
  std::shared_ptr<const Survey> survey;
  std::string split_set;   // name, e.g. full_42
  std::string split_hash;  // split_membership_hash of the set
  NormalizationStats normalization;
  /// Where `normalization` comes from, as run manifests record it: "split set full_42" or the
  /// override's description (SplitLoadOptions::normalization_source).
  std::string normalization_source;
  std::shared_ptr<const SampleStore> train, val, test;
  /// Objects of `train` that come from the split set's unlabeled list (0 unless requested).
  std::int64_t unlabeled_in_train = 0;
};

/// Narrows the survey rows of the train, val and test splits (in place) before their stores are
/// prepared, e.g. to one shard of a catalogue; rows it removes are never preprocessed.
using SplitRowSelector =
    std::function<void(std::vector<std::int64_t>& train, std::vector<std::int64_t>& val,
                       std::vector<std::int64_t>& test)>;

struct SplitLoadOptions {
  /// Append the split set's unlabeled objects to train (self-supervised pre-training only: a
  /// classifier's loss skips label -1, so they would only cost preprocessing time).
  bool with_unlabeled = false;
  /// Statistics to normalise with instead of the split set's own (a checkpoint's), and how
  /// manifests name them.
  std::optional<NormalizationStats> normalization;
  std::string normalization_source;
  SplitRowSelector select;  // applied after unlabeled objects were added
};

/// Reads options.path and prepares the stores of options.split_set with `threads` threads.
/// Throws DataError when the file or the split set is missing or malformed, or when the
/// override statistics do not have one entry per normalization column.
SplitData load_split_data(const DataOptions& options, int threads,
                          const SplitLoadOptions& load = {});

}  // namespace astrom3::data

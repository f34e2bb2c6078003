// The survey file and the train/val/test sample stores of the configured split set: what a
// training or evaluation command needs before it builds loaders.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <memory>
#include <string>

#include "astrom3/data/sample_store.h"
#include "astrom3/data/survey.h"

namespace astrom3::data {

struct SplitData {
  std::shared_ptr<const Survey> survey;
  std::string split_set;   // name, e.g. full_42
  std::string split_hash;  // split_membership_hash of the set
  NormalizationStats normalization;
  std::shared_ptr<const SampleStore> train, val, test;
};

/// Narrows the survey rows of the train, val and test splits (in place) before their stores are
/// prepared, e.g. to one shard of a catalogue; rows it removes are never preprocessed.
using SplitRowSelector =
    std::function<void(std::vector<std::int64_t>& train, std::vector<std::int64_t>& val,
                       std::vector<std::int64_t>& test)>;

/// Reads options.path and prepares the stores of options.split_set with `threads` threads
/// (only the rows `select` keeps, when given). Throws DataError when the file or the split
/// set is missing or malformed.
SplitData load_split_data(const DataOptions& options, int threads,
                          const SplitRowSelector& select = {});

}  // namespace astrom3::data

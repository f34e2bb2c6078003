// Split sets built as the official pipeline builds them (the official code's notebooks 017, 032 and
// 026; docs/data-format.md):
//   * seed 42: an unstratified random split of all labelled objects, 80 % train, then the
//     remaining 20 % halved into val and test (sklearn train_test_split sizes: test gets
//     ceil(0.2 n), then ceil(half) of that);
//   * seeds 0, 66, 12, 123: the seed-42 train+val+test concatenated, shuffled with the seed,
//     and cut into the same three sizes;
//   * subsets sub50/sub25/sub10 (factor 2/4/10) are drawn independently from each of train,
//     val and test: a per-class cap ("water filling") is chosen so that the capped split holds
//     at most floor(n / factor) objects, and every class above the cap is randomly downsampled
//     to it.
// The random draws use astrom3's portable generator, so the membership is reproducible but is
// not the same as sklearn's for the same seed (the real splits are read from files instead).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "astrom3/data/survey.h"

namespace astrom3::data {

/// The largest cap c with sum_k min(counts[k], c) <= target.
std::int64_t water_filling_cap(const std::vector<std::int64_t>& class_counts, std::int64_t target);

/// Downsamples `rows` (labels in `labels`) to the water-filling cap for floor(n / factor).
/// Returned rows are sorted ascending.
std::vector<std::int64_t> capped_subset(const std::vector<std::int64_t>& rows,
                                        const std::vector<std::int32_t>& labels, int num_classes,
                                        int factor, std::uint64_t seed);

/// Builds every split set (4 subsets x 5 seeds) for the labelled objects of `survey`, with
/// the unlabelled objects listed in each full_* set, and fits each set's normalization.
std::map<std::string, SplitSet> make_standard_split_sets(const Survey& survey);

/// How to split a survey that comes without split sets (users' own data).
struct RandomSplitOptions {
  std::uint64_t seed = 42;
  double val_fraction = 0.1;
  double test_fraction = 0.1;
  /// Split each class separately, so that every split has the class mix of the whole.
  bool stratified = false;
};

/// Sizes of one random cut of n objects, as sklearn's two-step train_test_split gives them:
/// held = ceil((val + test) n), test = ceil(test / (val + test) * held), val = held - test.
struct SplitSizes {
  std::int64_t train = 0, val = 0, test = 0;
};
SplitSizes random_split_sizes(std::int64_t n, double val_fraction, double test_fraction);

/// One split set (subset "full", seed options.seed) over the labelled objects of `survey`, cut
/// as a whole or per class; unlabelled objects go to `unlabeled`; normalization fitted on
/// train. Throws ConfigError for fractions outside [0, 1) or summing to 1 or more.
SplitSet make_random_split_set(const Survey& survey, const RandomSplitOptions& options);

/// A fingerprint of which objects (by id) are in train, val and test of `set`: 16 hex digits
/// of FNV-1a 64. Checkpoints record it so that fine-tuning can detect a split mismatch.
std::string split_membership_hash(const Survey& survey, const SplitSet& set);

}  // namespace astrom3::data

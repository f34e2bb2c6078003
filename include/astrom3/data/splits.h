// Split sets built as the official pipeline builds them (paper.md §1.3):
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

/// A fingerprint of which objects (by id) are in train, val and test of `set`: 16 hex digits
/// of FNV-1a 64. Checkpoints record it so that fine-tuning can detect a split mismatch.
std::string split_membership_hash(const Survey& survey, const SplitSet& set);

}  // namespace astrom3::data

// The leakage guard of fine-tuning from a CLIP checkpoint. Split sets of different seeds
// overlap, so a CLIP model pre-trained on one seed's split set has seen (without labels) test
// objects of another seed's: fine-tuning and testing on that other split set leaks them.
#pragma once

#include <string>

namespace astrom3::train {

/// The seed part of a split-set name ("sub10_66" -> "66"); empty if the name has none.
std::string split_seed(const std::string& split_set);

/// Checks that the CLIP checkpoint `clip_dir`, pre-trained on `clip_split_set`, may initialise a
/// run on `split_set`: the seeds must agree. A mismatch throws ConfigError explaining the
/// leakage and the override, unless `allow`, when it only warns. A checkpoint that records no
/// split set (imported weights) cannot be checked: a warning says so.
void check_split_leakage(const std::string& clip_split_set, const std::string& clip_dir,
                         const std::string& split_set, bool allow);

}  // namespace astrom3::train

// Catalogue transforms applied before z-scoring (docs/preprocessing.md):
//   * apparent magnitudes -> absolute: M = m - 10 + 5 log10(parallax_mas), with a parallax
//     <= 0 (or non-finite) replaced by 1, so that M = m - 10;
//   * l -> cos(l), b -> sin(b) (degrees to radians first);
//   * period -> log10(period). A period <= 0 has no logarithm: the value becomes NaN and
//     z-scoring then imputes the train mean (docs/preprocessing.md).
#pragma once

#include <array>

#include "astrom3/data/schema.h"

namespace astrom3::data {

/// The 11 magnitude columns made absolute, by name.
extern const std::array<const char*, 11> kAbsoluteMagnitudeCols;

/// Raw photo_cols [4] and meta_cols [34] -> the 38 transformed values in normalization order
/// (photo_cols then meta_cols).
std::array<double, kNumNormCols> transform_catalogue(const double* photo_raw,
                                                     const double* meta_raw);

}  // namespace astrom3::data

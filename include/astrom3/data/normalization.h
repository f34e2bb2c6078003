// Z-scoring of the 38 catalogue columns with statistics fitted on one train split only.
#pragma once

#include <cstdint>
#include <vector>

#include "astrom3/data/survey.h"

namespace astrom3::data {

/// Mean and population std (ddof = 0) of the transformed catalogue columns over `rows`,
/// skipping non-finite values (as pandas does) and objects whose metadata is absent. A column
/// with zero spread (or no finite value) gets std 1 so that z-scoring stays finite.
NormalizationStats fit_normalization(const Survey& survey, const std::vector<std::int64_t>& rows);

/// Transformed + z-scored values of one object: out[38] in normalization order. Non-finite
/// transformed values (a period <= 0) become 0, i.e. the train mean.
void normalized_catalogue(const Survey& survey, std::int64_t row, const NormalizationStats& stats,
                          float* out);

}  // namespace astrom3::data

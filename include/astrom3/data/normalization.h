// Z-scoring of the 38 catalogue columns with statistics fitted on one train split only.
#pragma once

#include <cstdint>
#include <vector>

#include "astrom3/data/survey.h"

namespace astrom3::data {

/// A std at or below this fraction of |mean| is rounding noise of a constant column (a float
/// column of one value gives std ~1e-16 |mean|; real catalogue columns vary far more).
inline constexpr double kConstantColumnRelativeStd = 1e-8;

/// True when a column with this mean and std is constant (std == 0 included).
bool is_constant_column(double mean, double std);

/// Mean and population std (ddof = 0) of each transformed catalogue column over the `rows`
/// where that column is observed and finite: the 4 photo_cols over rows with photometry, the
/// 34 meta_cols over rows with metadata, whatever else the row lacks, non-finite values
/// skipped (as pandas does). A constant column (is_constant_column) gets std 1 and a warning
/// naming it; a column with no observed value keeps mean 0, std 1.
NormalizationStats fit_normalization(const Survey& survey, const std::vector<std::int64_t>& rows);

/// The statistics of a split set: fitted over its train and unlabeled objects, the objects
/// pre-training sees (statistics need no labels; val and test stay out). A set with neither
/// (a tiny survey's subset) gets mean 0, std 1 in every column.
NormalizationStats fit_split_normalization(const Survey& survey, const SplitSet& set);

/// Transformed + z-scored values of one object: out[38] in normalization order. Non-finite
/// transformed values (a period <= 0) become 0, i.e. the train mean.
void normalized_catalogue(const Survey& survey, std::int64_t row, const NormalizationStats& stats,
                          float* out);

}  // namespace astrom3::data

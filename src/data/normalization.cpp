#include "astrom3/data/normalization.h"

#include <spdlog/spdlog.h>

#include <cmath>

#include "astrom3/data/metadata_transform.h"
#include "astrom3/data/schema.h"

namespace astrom3::data {

namespace {

// Whether column c of an object is observed: photo_cols come with the photometry modality,
// meta_cols with the metadata modality (a catalogue may have one without the other).
bool column_observed(const Survey& survey, std::int64_t row, int c) {
  return c < kNumPhotoCols ? survey.photometry.present[row] != 0
                           : survey.metadata.present[row] != 0;
}

}  // namespace

bool is_constant_column(double mean, double std) {
  return std <= kConstantColumnRelativeStd * std::abs(mean);
}

NormalizationStats fit_normalization(const Survey& survey, const std::vector<std::int64_t>& rows) {
  // Two passes over the transformed values (mean, then squared deviations): exact enough that
  // a constant column comes out with a std of rounding size, which is_constant_column catches.
  std::vector<std::array<double, kNumNormCols>> values;
  values.reserve(rows.size());
  std::vector<std::array<bool, kNumNormCols>> use;
  use.reserve(rows.size());
  std::vector<double> sum(kNumNormCols, 0.0), count(kNumNormCols, 0.0);
  for (auto r : rows) {
    values.push_back(transform_catalogue(survey.photo_features(r), survey.meta_values(r)));
    use.emplace_back();
    for (int c = 0; c < kNumNormCols; ++c) {
      use.back()[c] = column_observed(survey, r, c) && std::isfinite(values.back()[c]);
      if (use.back()[c]) {
        sum[c] += values.back()[c];
        count[c] += 1;
      }
    }
  }
  NormalizationStats stats;
  stats.mean.assign(kNumNormCols, 0.0);
  stats.std.assign(kNumNormCols, 1.0);
  const auto columns = normalization_columns();
  for (int c = 0; c < kNumNormCols; ++c) {
    if (count[c] == 0) continue;
    const double mean = sum[c] / count[c];
    double ss = 0.0;
    for (std::size_t k = 0; k < values.size(); ++k) {
      if (use[k][c]) ss += (values[k][c] - mean) * (values[k][c] - mean);
    }
    const double sd = std::sqrt(ss / count[c]);
    stats.mean[c] = mean;
    if (is_constant_column(mean, sd)) {
      if (count[c] > 1) {
        spdlog::warn(
            "[data] normalization column {} is constant over its {} observed train objects "
            "(mean {:.6g}, std {:.3g}): it is centred with std 1 and carries no information",
            columns[c], static_cast<std::int64_t>(count[c]), mean, sd);
      }
    } else {
      stats.std[c] = sd;
    }
  }
  return stats;
}

NormalizationStats fit_split_normalization(const Survey& survey, const SplitSet& set) {
  std::vector<std::int64_t> rows = set.train;
  rows.insert(rows.end(), set.unlabeled.begin(), set.unlabeled.end());
  return fit_normalization(survey, rows);
}

void normalized_catalogue(const Survey& survey, std::int64_t row, const NormalizationStats& stats,
                          float* out) {
  const auto t = transform_catalogue(survey.photo_features(row), survey.meta_values(row));
  for (int c = 0; c < kNumNormCols; ++c) {
    out[c] = std::isfinite(t[c]) ? static_cast<float>((t[c] - stats.mean[c]) / stats.std[c]) : 0.0f;
  }
}

}  // namespace astrom3::data

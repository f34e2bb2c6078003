#include "astrom3/data/normalization.h"

#include <cmath>

#include "astrom3/data/metadata_transform.h"
#include "astrom3/data/schema.h"

namespace astrom3::data {

NormalizationStats fit_normalization(const Survey& survey, const std::vector<std::int64_t>& rows) {
  std::vector<double> sum(kNumNormCols, 0.0), count(kNumNormCols, 0.0);
  std::vector<std::array<double, kNumNormCols>> values;
  values.reserve(rows.size());
  for (auto r : rows) {
    if (!survey.metadata.present[r]) continue;
    values.push_back(transform_catalogue(survey.photo_features(r), survey.meta_values(r)));
    for (int c = 0; c < kNumNormCols; ++c) {
      if (std::isfinite(values.back()[c])) {
        sum[c] += values.back()[c];
        count[c] += 1;
      }
    }
  }
  NormalizationStats stats;
  stats.mean.assign(kNumNormCols, 0.0);
  stats.std.assign(kNumNormCols, 1.0);
  for (int c = 0; c < kNumNormCols; ++c) {
    if (count[c] == 0) continue;
    const double mean = sum[c] / count[c];
    double ss = 0.0;
    for (const auto& v : values) {
      if (std::isfinite(v[c])) ss += (v[c] - mean) * (v[c] - mean);
    }
    const double sd = std::sqrt(ss / count[c]);
    stats.mean[c] = mean;
    stats.std[c] = sd > 0.0 ? sd : 1.0;
  }
  return stats;
}

void normalized_catalogue(const Survey& survey, std::int64_t row, const NormalizationStats& stats,
                          float* out) {
  const auto t = transform_catalogue(survey.photo_features(row), survey.meta_values(row));
  for (int c = 0; c < kNumNormCols; ++c) {
    out[c] = std::isfinite(t[c]) ? static_cast<float>((t[c] - stats.mean[c]) / stats.std[c]) : 0.0f;
  }
}

}  // namespace astrom3::data

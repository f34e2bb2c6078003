#include "astrom3/data/lightcurve_preprocess.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "astrom3/common/rng.h"
#include "astrom3/data/schema.h"

namespace astrom3::data {
namespace {

double median_in_place(std::vector<double>& x) {
  const std::size_t n = x.size();
  const std::size_t mid = n / 2;
  std::nth_element(x.begin(), x.begin() + mid, x.end());
  const double upper = x[mid];
  if (n % 2 == 1) return upper;
  const double lower = *std::max_element(x.begin(), x.begin() + mid);
  return 0.5 * (lower + upper);
}

struct Epoch {
  double t;
  float flux;
  float err;
  bool operator<(const Epoch& o) const {
    if (t != o.t) return t < o.t;
    if (flux != o.flux) return flux < o.flux;
    return err < o.err;
  }
  bool operator==(const Epoch& o) const { return t == o.t && flux == o.flux && err == o.err; }
};

}  // namespace

double median_abs_deviation(std::vector<double>& x) {
  if (x.empty()) return 0.0;
  const double med = median_in_place(x);
  for (auto& v : x) v = std::fabs(v - med);
  return median_in_place(x);
}

double robust_scale(std::vector<double> values) {
  if (values.empty()) return 1.0;
  const double mean = std::accumulate(values.begin(), values.end(), 0.0) / values.size();
  double var = 0.0;
  for (double v : values) var += (v - mean) * (v - mean);
  const double sd = std::sqrt(var / values.size());
  const double mad = median_abs_deviation(values);
  if (mad > 0.0 && std::isfinite(mad)) return mad;
  if (sd > 0.0 && std::isfinite(sd)) return sd;
  return 1.0;
}

PreparedLightCurve prepare_lightcurve(const double* time, const float* flux, const float* flux_err,
                                      std::int64_t n) {
  PreparedLightCurve out;
  std::vector<Epoch> rows;
  rows.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    if (std::isfinite(time[i]) && std::isfinite(flux[i]) && std::isfinite(flux_err[i])) {
      rows.push_back({time[i], flux[i], flux_err[i]});
    }
  }
  if (rows.empty()) {
    out.rejection = n == 0 ? "empty light curve" : "no epoch with finite time, flux and error";
    return out;
  }
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());

  const std::size_t m = rows.size();
  std::vector<double> f(m);
  double sum = 0.0;
  for (std::size_t i = 0; i < m; ++i) {
    f[i] = rows[i].flux;
    sum += f[i];
  }
  const double mean = sum / m;
  const double scale = robust_scale(f);
  const double t0 = rows.front().t;
  const double span = rows.back().t - t0;

  out.time.resize(m);
  out.flux.resize(m);
  out.flux_err.resize(m);
  for (std::size_t i = 0; i < m; ++i) {
    out.time[i] = span > 0.0 ? static_cast<float>((rows[i].t - t0) / span) : 0.0f;
    out.flux[i] = static_cast<float>((rows[i].flux - mean) / scale);
    out.flux_err[i] = static_cast<float>(rows[i].err / scale);
  }
  out.log10_scale = static_cast<float>(std::log10(scale));
  out.delta_t_years = static_cast<float>(span / 365.0);
  return out;
}

std::int64_t centre_crop_start(std::int64_t n, std::int64_t seq_len) {
  return n > seq_len ? (n - seq_len) / 2 : 0;
}

std::int64_t random_crop_start(std::int64_t n, std::int64_t seq_len, std::uint64_t seed) {
  if (n <= seq_len) return 0;
  Rng rng(seed);
  return rng.integer(0, n - seq_len);
}

void write_lightcurve_window(const PreparedLightCurve& lc, std::int64_t start, std::int64_t seq_len,
                             const float* photo_features, float* out, float* mask) {
  constexpr int C = kPhotometryChannels;
  const std::int64_t n = lc.size();
  const std::int64_t take = std::max<std::int64_t>(0, std::min(seq_len, n - start));
  const float aux[6] = {photo_features[0], photo_features[1], photo_features[2],
                        photo_features[3], lc.log10_scale,    lc.delta_t_years};
  for (std::int64_t r = 0; r < seq_len; ++r) {
    float* row = out + r * C;
    if (r < take) {
      row[0] = lc.time[start + r];
      row[1] = lc.flux[start + r];
      row[2] = lc.flux_err[start + r];
      mask[r] = 1.0f;
    } else {
      row[0] = row[1] = row[2] = 0.0f;
      mask[r] = 0.0f;
    }
    std::copy(aux, aux + 6, row + 3);
  }
}

}  // namespace astrom3::data

#include "astrom3/synth/catalogue_features.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace astrom3::synth {
namespace {

using namespace star_class;

double percentile(std::vector<double> v, double q) {
  const auto k = static_cast<std::size_t>(std::lround(q * static_cast<double>(v.size() - 1)));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

double lafler_kinman(const std::vector<double>& time, const std::vector<double>& mags,
                     double period) {
  const std::size_t n = mags.size();
  if (n < 3 || !(period > 0.0)) return 1.0;
  std::vector<std::pair<double, double>> folded(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double x = time[i] / period;
    folded[i] = {x - std::floor(x), mags[i]};
  }
  std::sort(folded.begin(), folded.end());
  const double mean = std::accumulate(mags.begin(), mags.end(), 0.0) / static_cast<double>(n);
  double string_length = 0.0, spread = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = folded[(i + 1) % n].second - folded[i].second;
    string_length += d * d;
    spread += (mags[i] - mean) * (mags[i] - mean);
  }
  return spread > 0.0 ? string_length / (2.0 * spread) : 1.0;
}

std::array<double, data::kNumPhotoCols> measured_catalogue_features(const Star& s,
                                                                    const RawLightCurve& lc,
                                                                    Rng& rng) {
  std::vector<double> time, mags;
  for (std::size_t i = 0; i < lc.flux.size(); ++i) {
    if (lc.flux[i] <= 0.0f) continue;  // a magnitude needs a positive flux
    time.push_back(lc.time[i]);
    mags.push_back(-2.5 * std::log10(static_cast<double>(lc.flux[i])));
  }
  const double amplitude =
      mags.size() >= 2 ? percentile(mags, 0.975) - percentile(mags, 0.025) : 0.0;

  double period = s.period_days;
  if (s.label == SR || s.label == ROT || s.label == M) period *= rng.lognormal(0.0, 0.04);
  const bool binary = s.label == EA || s.label == EB || s.label == EW;
  if (rng.bernoulli(binary ? 0.15 : 0.04)) period *= rng.bernoulli(binary ? 0.8 : 0.5) ? 0.5 : 2.0;

  const double lksl = std::clamp(lafler_kinman(time, mags, period), 0.0, 1.2);
  const double signal_to_noise = amplitude / std::max(lc.median_error_mag, 1e-3);
  const double coherence = std::max(0.0, 1.0 - lksl);
  const double rfr = std::clamp(
      0.35 + 0.6 * coherence * signal_to_noise / (signal_to_noise + 4.0) + rng.normal(0.0, 0.08),
      0.2, 1.0);
  return {amplitude, period, lksl, rfr};
}

}  // namespace astrom3::synth

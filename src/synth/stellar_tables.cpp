#include "astrom3/synth/stellar_tables.h"

#include <algorithm>
#include <cmath>

namespace astrom3::synth {
namespace {

double interp(const double* xs, const double* ys, int n, double x) {
  if (x <= xs[0]) return ys[0];
  if (x >= xs[n - 1]) return ys[n - 1];
  int i = 0;
  while (x > xs[i + 1]) ++i;
  const double w = (x - xs[i]) / (xs[i + 1] - xs[i]);
  return ys[i] + w * (ys[i + 1] - ys[i]);
}

// Ascending in Teff [K]. The 15,000 K point (late B dwarfs, survey version 2's hot Algols) lies
// beyond every temperature version 1 draws, so version 1's values are unchanged by it.
constexpr int kT = 13;
constexpr double kTeff[kT] = {2400, 3000, 3500, 4000, 4500,  5000, 5500,
                              6000, 6500, 7000, 8000, 10000, 15000};
constexpr double kBpRp[kT] = {4.5,  3.0,  2.3,  1.75, 1.35, 1.10, 0.90,
                              0.75, 0.60, 0.45, 0.25, 0.0,  -0.15};
constexpr double kVminusK[kT] = {7.5,  5.5, 4.2, 3.4, 2.6, 2.15, 1.7,
                                 1.45, 1.2, 0.9, 0.5, 0.0, -0.45};
constexpr double kMsMv[kT] = {16.0, 12.5, 10.0, 8.2, 7.0, 6.0, 5.0, 4.2, 3.5, 2.8, 2.2, 1.0, -0.6};

}  // namespace

double intrinsic_bp_rp(double teff) {
  return interp(kTeff, kBpRp, kT, teff);
}

double intrinsic_v_minus_k(double teff) {
  return interp(kTeff, kVminusK, kT, teff);
}

double main_sequence_abs_mag(double teff) {
  return interp(kTeff, kMsMv, kT, teff);
}

double bounded_lognormal(Rng& rng, double median, double sd, double lo, double hi) {
  for (int i = 0; i < 64; ++i) {
    const double v = rng.lognormal(std::log(median), sd);
    if (v >= lo && v <= hi) return v;
  }
  return std::min(hi, std::max(lo, median));
}

double log_uniform(Rng& rng, double lo, double hi) {
  return std::exp(rng.uniform(std::log(lo), std::log(hi)));
}

}  // namespace astrom3::synth

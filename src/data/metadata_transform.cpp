#include "astrom3/data/metadata_transform.h"

#include <cmath>
#include <limits>

namespace astrom3::data {

const std::array<const char*, 11> kAbsoluteMagnitudeCols = {
    "mean_vmag", "phot_g_mean_mag", "phot_bp_mean_mag", "phot_rp_mean_mag", "j_mag", "h_mag",
    "k_mag",     "w1_mag",          "w2_mag",           "w3_mag",           "w4_mag"};

namespace {
constexpr double kDegToRad = 3.14159265358979323846 / 180.0;

struct MetaIndices {
  std::array<int, 11> magnitudes;
  int parallax, l, b;
  MetaIndices() {
    for (std::size_t i = 0; i < kAbsoluteMagnitudeCols.size(); ++i) {
      magnitudes[i] = meta_col_index(kAbsoluteMagnitudeCols[i]);
    }
    parallax = meta_col_index("parallax");
    l = meta_col_index("l");
    b = meta_col_index("b");
  }
};
}  // namespace

std::array<double, kNumNormCols> transform_catalogue(const double* photo_raw,
                                                     const double* meta_raw) {
  static const MetaIndices idx;
  std::array<double, kNumNormCols> out{};
  for (int i = 0; i < kNumPhotoCols; ++i) out[i] = photo_raw[i];
  const double period = photo_raw[kPeriod];
  out[kPeriod] = period > 0.0 ? std::log10(period) : std::numeric_limits<double>::quiet_NaN();

  double* meta = out.data() + kNumPhotoCols;
  for (int i = 0; i < kNumMetaCols; ++i) meta[i] = meta_raw[i];
  const double plx = meta_raw[idx.parallax];
  const double distance_term = (plx > 0.0 && std::isfinite(plx)) ? 5.0 * std::log10(plx) : 0.0;
  for (int c : idx.magnitudes) meta[c] = meta_raw[c] - 10.0 + distance_term;
  meta[idx.l] = std::cos(meta_raw[idx.l] * kDegToRad);
  meta[idx.b] = std::sin(meta_raw[idx.b] * kDegToRad);
  return out;
}

}  // namespace astrom3::data

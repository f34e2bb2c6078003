#include "astrom3/synth/planted_cases.h"

#include <algorithm>
#include <cmath>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/math_constants.h"

namespace astrom3::synth {
namespace {

void add_emission(RawSpectrum& s, double center, double sigma, double strength) {
  // Scale by the continuum near the line so that the emission shows at any flux level.
  std::size_t near = 0;
  for (std::size_t i = 0; i < s.wavelength.size(); ++i) {
    if (std::fabs(s.wavelength[i] - center) < std::fabs(s.wavelength[near] - center)) near = i;
  }
  const double level = std::max(1.0, static_cast<double>(s.flux[near]));
  for (std::size_t i = 0; i < s.wavelength.size(); ++i) {
    const double d = (s.wavelength[i] - center) / sigma;
    if (std::fabs(d) < 6.0)
      s.flux[i] += static_cast<float>(strength * level * std::exp(-0.5 * d * d));
  }
}

}  // namespace

std::string subpopulation_of(const Star& star) {
  if (star.label == data::class_index("M")) return star.carbon ? "carbon" : "oxygen";
  if (star.label == data::class_index("ROT")) return star.giant ? "giant" : "dwarf";
  return "";
}

void plant_oddball(RawLightCurve& lc, RawSpectrum& spectrum,
                   std::array<double, data::kNumMetaCols>& meta, Rng& rng) {
  // A short-period pulsation on top of the star's own variability.
  const double period = rng.uniform(0.05, 0.2), amplitude = rng.uniform(0.15, 0.3);
  const double phase = rng.uniform(0.0, 2.0 * kPi);
  for (std::size_t i = 0; i < lc.time.size(); ++i) {
    const double factor =
        std::pow(10.0, -0.4 * amplitude * std::sin(2.0 * kPi * lc.time[i] / period + phase));
    lc.flux[i] = static_cast<float>(lc.flux[i] * factor);
    lc.flux_err[i] = static_cast<float>(lc.flux_err[i] * factor);
  }
  // Balmer emission.
  const double strength = rng.uniform(0.8, 2.0);
  add_emission(spectrum, 6564.6, 4.0, strength);
  add_emission(spectrum, 4862.7, 3.0, 0.4 * strength);
  // A mid-infrared excess from a disc: W2..W4 brighter, redder colours.
  const auto col = [](const char* name) {
    return static_cast<std::size_t>(data::meta_col_index(name));
  };
  const double excess = rng.uniform(0.8, 1.6);
  meta[col("w2_mag")] -= 0.3 * excess;
  meta[col("w3_mag")] -= 1.2 * excess;
  meta[col("w4_mag")] -= 2.0 * excess;
  meta[col("w1_w2")] += 0.3 * excess;
  meta[col("w3_w4")] += 0.8 * excess;
}

void write_truth_csv(const std::filesystem::path& path, const std::vector<std::string>& ids,
                     const std::vector<std::int32_t>& labels,
                     const std::vector<PlantedTruth>& truth,
                     const std::vector<std::string>& class_names) {
  std::string out = "id,catalogue_label,true_label,mislabelled,oddball,subpopulation\n";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto& t = truth[i];
    out += ids[i] + "," + (labels[i] >= 0 ? class_names[labels[i]] : "") + "," +
           class_names[t.true_label] + "," + (t.mislabelled ? "1" : "0") + "," +
           (t.oddball ? "1" : "0") + "," + t.subpopulation + "\n";
  }
  write_text_file_atomic(path, out);
}

std::filesystem::path truth_path_for(const std::filesystem::path& survey_path) {
  auto p = survey_path;
  p.replace_extension(".truth.csv");
  return p;
}

}  // namespace astrom3::synth

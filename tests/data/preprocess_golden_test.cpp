// Preprocessing against golden values from scripts/make_golden.py (an independent numpy/scipy
// implementation of arXiv 2411.08842 §4.1-4.2 and docs/preprocessing.md).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "astrom3/data/lightcurve_preprocess.h"
#include "astrom3/data/metadata_transform.h"
#include "astrom3/data/normalization.h"
#include "astrom3/data/schema.h"
#include "astrom3/data/spectrum_preprocess.h"
#include "astrom3/data/splits.h"
#include "support/test_support.h"

namespace astrom3::data {
namespace {

using nlohmann::json;

template <typename T>
std::vector<T> values(const json& j) {
  std::vector<T> out;
  for (const auto& v : j) {
    if (v.is_string()) {
      const auto s = v.get<std::string>();
      out.push_back(s == "nan" ? std::numeric_limits<T>::quiet_NaN()
                               : (s == "inf" ? std::numeric_limits<T>::infinity()
                                             : -std::numeric_limits<T>::infinity()));
    } else {
      out.push_back(v.get<T>());
    }
  }
  return out;
}

// float32 outputs: numpy computes in float64 and casts, so do we; allow a few ulps.
void expect_close(const std::vector<float>& got, const json& want, const std::string& what) {
  const auto w = values<float>(want);
  ASSERT_EQ(got.size(), w.size()) << what;
  for (std::size_t i = 0; i < w.size(); ++i) {
    ASSERT_NEAR(got[i], w[i], 1e-6 + 1e-6 * std::fabs(w[i])) << what << " at " << i;
  }
}

const json& golden() {
  static const json g = test::load_test_json("golden/preprocess.json");
  return g;
}

TEST(PreprocessGolden, LightCurves) {
  int checked = 0;
  for (const auto& c : golden()["lightcurves"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const auto t = values<double>(c["time"]);
    const auto f = values<float>(c["flux"]);
    const auto e = values<float>(c["flux_err"]);
    const auto lc =
        prepare_lightcurve(t.data(), f.data(), e.data(), static_cast<std::int64_t>(t.size()));
    if (c["rejected"].get<bool>()) {
      EXPECT_FALSE(lc.valid());
      continue;
    }
    ASSERT_TRUE(lc.valid()) << lc.rejection;
    expect_close(lc.time, c["prepared_time"], "time");
    expect_close(lc.flux, c["prepared_flux"], "flux");
    expect_close(lc.flux_err, c["prepared_flux_err"], "flux_err");
    EXPECT_NEAR(lc.log10_scale, c["log10_scale"].get<double>(), 1e-6);
    EXPECT_NEAR(lc.delta_t_years, c["delta_t_years"].get<double>(), 1e-5);

    const auto L = c["seq_len"].get<std::int64_t>();
    const auto photo = values<float>(c["photo_features"]);
    std::vector<float> window(L * kPhotometryChannels), mask(L);
    write_lightcurve_window(lc, centre_crop_start(lc.size(), L), L, photo.data(), window.data(),
                            mask.data());
    expect_close(window, c["window"], "window");
    expect_close(mask, c["mask"], "mask");
    for (float v : window) ASSERT_TRUE(std::isfinite(v));
    ++checked;
  }
  EXPECT_EQ(checked, 7);
}

TEST(PreprocessGolden, Spectra) {
  int checked = 0;
  for (const auto& c : golden()["spectra"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const auto wl = values<float>(c["wavelength"]);
    const auto f = values<float>(c["flux"]);
    const auto iv = values<float>(c["ivar"]);
    const auto s =
        prepare_spectrum(wl.data(), f.data(), iv.data(), static_cast<std::int64_t>(wl.size()),
                         c["min_coverage"].get<double>());
    if (c["rejected"].get<bool>()) {
      EXPECT_FALSE(s.valid());
      continue;
    }
    ASSERT_TRUE(s.valid()) << s.rejection;
    std::vector<float> out(kSpectrumChannels * kSpectrumGridSize);
    write_spectrum(s, out.data());
    expect_close(out, c["output"], "spectrum");
    ++checked;
  }
  EXPECT_EQ(checked, 4);
}

TEST(PreprocessGolden, CatalogueTransformAndNormalization) {
  SurveyBuilder b({kClassNames.begin(), kClassNames.end()});
  for (std::size_t i = 0; i < golden()["catalogue"].size(); ++i) {
    const auto& c = golden()["catalogue"][i];
    const auto photo = values<double>(c["photo_raw"]);
    const auto meta = values<double>(c["meta_raw"]);
    const auto t = transform_catalogue(photo.data(), meta.data());
    for (int k = 0; k < kNumNormCols; ++k) {
      if (c["transformed"][k].is_null()) {
        EXPECT_TRUE(std::isnan(t[k])) << "row " << i << " col " << k;
      } else {
        EXPECT_NEAR(t[k], c["transformed"][k].get<double>(), 1e-12) << "row " << i << " col " << k;
      }
    }
    SurveyBuilder::Object o;
    o.id = "obj" + std::to_string(i);
    o.label = 0;
    o.time = {1.0};
    o.flux = o.flux_err = {1.0f};
    o.wavelength = o.spec_flux = o.ivar = {5000.0f};
    std::copy(photo.begin(), photo.end(), o.photo_features.begin());
    std::copy(meta.begin(), meta.end(), o.meta.begin());
    b.add(o);
  }
  const Survey s = b.finish();
  const auto& g = golden()["normalization"];
  const auto stats = fit_normalization(s, g["rows"].get<std::vector<std::int64_t>>());
  const auto mean = values<double>(g["mean"]);
  const auto sd = values<double>(g["std"]);
  for (int k = 0; k < kNumNormCols; ++k) {
    EXPECT_NEAR(stats.mean[k], mean[k], 1e-10 * (1 + std::fabs(mean[k]))) << k;
    EXPECT_NEAR(stats.std[k], sd[k], 1e-10 * (1 + std::fabs(sd[k]))) << k;
  }
  // A period <= 0 has no log: it is imputed at the train mean, i.e. a z-score of 0.
  std::vector<float> z(kNumNormCols);
  normalized_catalogue(s, 3, stats, z.data());  // row 3 has period -1
  EXPECT_EQ(z[kPeriod], 0.0f);
  for (float v : z) EXPECT_TRUE(std::isfinite(v));
}

TEST(PreprocessGolden, WaterFillingCapsOfThePaperSplits) {
  for (const auto& c : golden()["water_filling"]) {
    const auto counts = c["counts"].get<std::vector<std::int64_t>>();
    std::int64_t total = 0;
    for (auto n : counts) total += n;
    EXPECT_EQ(water_filling_cap(counts, total / c["factor"].get<int>()),
              c["cap"].get<std::int64_t>())
        << c["split"] << " factor " << c["factor"];
  }
}

TEST(Preprocess, RandomCropCoversEveryStartIncludingTheLast) {
  std::vector<int> seen(6, 0);
  for (std::uint64_t s = 0; s < 2000; ++s) ++seen.at(random_crop_start(205, 200, s));
  for (int v : seen) EXPECT_GT(v, 0);
  EXPECT_EQ(random_crop_start(150, 200, 3), 0);
  EXPECT_EQ(centre_crop_start(205, 200), 2);
}

TEST(Preprocess, InterpolationMatchesNumpySemanticsOnAHandCase) {
  const double x[] = {1.0, 2.0, 4.0};
  const double y[] = {10.0, 20.0, 0.0};
  const double grid[] = {0.0, 1.0, 1.5, 3.0, 4.0, 9.0};
  double out[6];
  interp_linear(x, y, 3, grid, 6, out);
  const double want[] = {10.0, 10.0, 15.0, 10.0, 0.0, 0.0};
  for (int i = 0; i < 6; ++i) EXPECT_DOUBLE_EQ(out[i], want[i]);
}

TEST(Preprocess, MedianAbsDeviationHandCases) {
  std::vector<double> odd = {1, 2, 3, 4, 100};  // median 3, |dev| = 2 1 0 1 97 -> 1
  EXPECT_DOUBLE_EQ(median_abs_deviation(odd), 1.0);
  std::vector<double> even = {1, 2, 4, 8};  // median 3, |dev| = 2 1 1 5 -> 1.5
  EXPECT_DOUBLE_EQ(median_abs_deviation(even), 1.5);
}

}  // namespace
}  // namespace astrom3::data

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "astrom3/common/error.h"
#include "astrom3/data/schema.h"
#include "astrom3/synth/lightcurve_model.h"
#include "astrom3/synth/spectrum_model.h"
#include "astrom3/synth/star_model.h"
#include "astrom3/synth/survey_generator.h"
#include "support/test_support.h"

namespace astrom3::synth {
namespace {

using data::kClassNames;

TEST(SurveyGenerator, SameSeedSameSurveyWhateverTheThreadCount) {
  SynthOptions o;
  o.objects = 120;
  o.unlabeled = 10;
  o.seed = 99;
  const auto a = generate_survey(o, 1);
  const auto b = generate_survey(o, 3);
  EXPECT_EQ(a.ids, b.ids);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.photometry.time, b.photometry.time);
  EXPECT_EQ(a.photometry.flux, b.photometry.flux);
  EXPECT_EQ(a.spectra.flux, b.spectra.flux);
  EXPECT_EQ(a.metadata.values, b.metadata.values);
  EXPECT_EQ(a.split_sets.at("sub10_66").train, b.split_sets.at("sub10_66").train);
  o.seed = 100;
  EXPECT_NE(generate_survey(o, 2).photometry.flux, a.photometry.flux);
}

TEST(SurveyGenerator, ASurveyLargerThanTheMachinesMemoryIsRefusedBeforeAnyWork) {
  // --unseen 1000000000000 was a raw std::bad_alloc (and 10^6 objects the OOM killer).
  SynthOptions o;
  o.objects = 10;
  o.unseen = 1000000000000;
  try {
    generate_survey(o, 1);
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("= 1000000000010 objects need about"), std::string::npos) << message;
    EXPECT_NE(message.find("per object); this machine has"), std::string::npos) << message;
  }
}

TEST(SurveyGenerator, ClassCountsFollowThePaperProportionsExactly) {
  SynthOptions o;
  const auto counts = class_counts(o, 21440);
  for (int k = 0; k < data::kNumClasses; ++k) EXPECT_EQ(counts[k], data::kPaperClassTotals[k]);
  const auto small = class_counts(o, 1000);
  std::int64_t total = 0;
  for (auto c : small) total += c;
  EXPECT_EQ(total, 1000);
  o.class_weights = {{"M", 1.0}, {"SR", 3.0}};
  const auto two = class_counts(o, 100);
  EXPECT_EQ(two[data::class_index("M")], 25);
  EXPECT_EQ(two[data::class_index("SR")], 75);
}

TEST(SurveyGenerator, UnlabelledObjectsAreListedOnlyInFullSets) {
  SynthOptions o;
  o.objects = 100;
  o.unlabeled = 20;
  const auto s = generate_survey(o, 2);
  EXPECT_EQ(std::count(s.labels.begin(), s.labels.end(), -1), 20);
  EXPECT_EQ(s.split_sets.at("full_0").unlabeled.size(), 20u);
  EXPECT_TRUE(s.split_sets.at("sub50_0").unlabeled.empty());
}

// Per-class catalogue statistics against the intended ranges (docs/synthetic-survey.md).
TEST(SurveyGenerator, CataloguePeriodsAndMeasuredAmplitudesFollowTheClassPriors) {
  const auto& s = *test::small_survey(2000, 21);
  // Version 2's priors (star_model_v2.cpp): period range [d] and model peak-to-peak [mag].
  struct Range {
    double p_lo, p_hi, a_lo, a_hi;
  };
  const std::map<std::string, Range> ranges = {
      {"DSCT", {0.02, 0.25, 0.02, 0.2}}, {"EA", {0.5, 50, 0.1, 1.5}},
      {"EB", {0.3, 5, 0.2, 0.8}},        {"EW", {0.22, 0.7, 0.15, 0.75}},
      {"HADS", {0.04, 0.25, 0.2, 0.9}},  {"M", {100, 700, 2.5, 8.0}},
      {"ROT", {0.5, 80, 0.03, 0.35}},    {"RRAB", {0.42, 0.9, 0.3, 1.4}},
      {"RRC", {0.22, 0.45, 0.2, 0.55}},  {"SR", {20, 400, 0.15, 1.8}}};
  std::map<std::string, int> outside, total;
  std::map<std::string, std::vector<double>> amplitudes;
  for (std::int64_t i = 0; i < s.size(); ++i) {
    const std::string cls = s.class_names[s.labels[i]];
    const auto& r = ranges.at(cls);
    const double period = s.photo_features(i)[data::kPeriod];
    ++total[cls];
    amplitudes[cls].push_back(s.photo_features(i)[data::kAmplitude]);
    // 4 % of catalogue periods (15 % for eclipsing binaries) are half/double aliases; those of
    // irregular variables scatter by 4 %.
    if (period < r.p_lo * 0.85 || period > r.p_hi * 1.15) ++outside[cls];
  }
  for (const auto& [cls, n] : total) {
    EXPECT_LE(outside[cls], std::max(3, n / 5)) << cls << ": " << outside[cls] << " of " << n;
    // The amplitude is measured on the light curve: noise widens it, blended neighbours
    // dilute it, but the class's typical star lies in its prior range.
    auto& a = amplitudes[cls];
    std::nth_element(a.begin(), a.begin() + a.size() / 2, a.end());
    EXPECT_GE(a[a.size() / 2], ranges.at(cls).a_lo) << cls;
    EXPECT_LE(a[a.size() / 2], ranges.at(cls).a_hi) << cls;
  }
  // Period ranges of EW, EB, RRC and ROT overlap: period alone cannot separate them.
  EXPECT_LT(ranges.at("EB").p_lo, ranges.at("EW").p_hi);
  EXPECT_LT(ranges.at("EW").p_lo, ranges.at("RRC").p_hi);
  EXPECT_LT(ranges.at("ROT").p_lo, ranges.at("EB").p_hi);
}

TEST(SurveyGenerator, LightCurvesSpectraAndMetadataLookLikeTheRealSurveys) {
  const auto& s = *test::small_survey(300, 11);
  for (std::int64_t i = 0; i < s.size(); ++i) {
    const auto n = s.epochs(i);
    ASSERT_GE(n, 100);
    ASSERT_LE(n, 1530);  // 1500 plus ~1 % repeated rows
    const auto o = s.photometry.offsets[i];
    const double span_years = (s.photometry.time[o + n - 1] - s.photometry.time[o]) / 365.25;
    EXPECT_GE(span_years, 1.4);  // 2-6 yr windows minus seasonal gaps at the ends
    EXPECT_LE(span_years, 6.0);
    EXPECT_GT(s.photometry.time[o], 2455999.0);
    ASSERT_EQ(s.spectrum_pixels(i), kLamostPixels);
    const auto so = s.spectra.offsets[i];
    EXPECT_NEAR(s.spectra.wavelength[so], 3700.0, 1.0);
    EXPECT_NEAR(s.spectra.wavelength[so + kLamostPixels - 1], 9099.1, 1.0);
    EXPECT_EQ(s.spectra.flux[so + kLamostPixels - 1], 0.0f);  // red-edge zero pixels
    EXPECT_EQ(s.spectra.ivar[so + kLamostPixels - 1], 0.0f);
    for (int k = 0; k < data::kNumMetaCols; ++k) ASSERT_TRUE(std::isfinite(s.meta_values(i)[k]));
    const double l = s.meta_values(i)[data::meta_col_index("l")];
    const double b = s.meta_values(i)[data::meta_col_index("b")];
    EXPECT_TRUE(l >= 0 && l < 360 && b >= -90 && b <= 90);
  }
}

TEST(SurveyGenerator, ShapesAreClassSpecific) {
  Rng rng(5);
  // Algol: flat outside eclipse; RR Lyrae ab: rises faster than it declines.
  Star ea = draw_star(data::class_index("EA"), rng);
  ea.shape = {0.0, 0.5, 0.9, 0.5, 0.5, 0.5};  // narrowest eclipses (half-width 0.03), circular
  EXPECT_DOUBLE_EQ(model_delta_mag(ea, 0.0, 0.25), 0.0);
  EXPECT_NEAR(model_delta_mag(ea, 0.0, 0.0), ea.amplitude_mag, 1e-12);
  Star rr = draw_star(data::class_index("RRAB"), rng);
  int rising = 0;
  for (int i = 0; i < 100; ++i) {
    const double a = model_delta_mag(rr, 0, i / 100.0), b = model_delta_mag(rr, 0, (i + 1) / 100.0);
    rising += b < a;  // getting brighter
  }
  EXPECT_LT(rising, 25);
  // Beta Lyrae: unequal minima; W UMa: nearly equal.
  Star eb = draw_star(data::class_index("EB"), rng);
  EXPECT_GT(model_delta_mag(eb, 0, 0.0) - model_delta_mag(eb, 0, 0.5), 0.14 * eb.amplitude_mag);
  Star ew = draw_star(data::class_index("EW"), rng);
  EXPECT_LE(std::fabs(model_delta_mag(ew, 0, 0.0) - model_delta_mag(ew, 0, 0.5)),
            0.075 * ew.amplitude_mag + 1e-12);
}

TEST(SurveyGenerator, UnseenClassObjectsAreHeldOutOfEveryListButUnseen) {
  SynthOptions o;
  o.objects = 100;
  o.unlabeled = 10;
  o.seed = 5;
  const auto plain = generate_survey(o, 2);
  o.unseen = 41;
  std::vector<PlantedTruth> truth;
  const auto s = generate_survey(o, 2, &truth);
  ASSERT_EQ(s.size(), 151);
  // The other objects are unchanged, in the same rows.
  for (std::int64_t i = 0; i < 110; ++i) {
    ASSERT_EQ(s.ids[i], plain.ids[i]);
    ASSERT_EQ(s.labels[i], plain.labels[i]);
  }
  EXPECT_EQ(std::vector<float>(s.photometry.flux.begin(),
                               s.photometry.flux.begin() + plain.photometry.flux.size()),
            plain.photometry.flux);
  // 41 over four classes: 11, 10, 10, 10 (largest remainder, ties to the first).
  std::vector<int> per_class(kNumUnseenClasses, 0);
  for (std::int64_t i = 110; i < 151; ++i) {
    EXPECT_EQ(s.labels[i], -1);
    const int k = truth[i].true_label - data::kNumClasses;
    ASSERT_GE(k, 0);
    ASSERT_LT(k, kNumUnseenClasses);
    ++per_class[k];
  }
  EXPECT_EQ(per_class, (std::vector<int>{11, 10, 10, 10}));
  EXPECT_EQ(star_class_names()[truth[110].true_label],
            kUnseenClassNames[truth[110].true_label - data::kNumClasses]);
  for (const auto& [name, set] : s.split_sets) {
    ASSERT_EQ(set.unseen.size(), 41u) << name;
    EXPECT_EQ(set.unseen.front(), 110) << name;
    for (const auto* rows : {&set.train, &set.val, &set.test, &set.unlabeled}) {
      EXPECT_TRUE(std::none_of(rows->begin(), rows->end(), [](auto r) { return r >= 110; }))
          << name;
    }
    // Normalization is fitted on train only: unchanged by the unseen objects.
    EXPECT_EQ(set.normalization.mean, plain.split_sets.at(name).normalization.mean) << name;
  }
  EXPECT_EQ(s.split_sets.at("full_42").unlabeled.size(), 10u);
  // The weights select classes.
  o.unseen_class_weights = {{"YSO", 1.0}};
  EXPECT_EQ(unseen_class_counts(o, 7), (std::vector<std::int64_t>{0, 0, 0, 7}));
}

TEST(SurveyGenerator, UnseenClassesFollowTheirPhysics) {
  Rng rng(17);
  for (int i = 0; i < 300; ++i) {
    const auto dcep = draw_star(star_class::DCEP, rng);
    EXPECT_GE(dcep.period_days, 1.5);
    EXPECT_LE(dcep.period_days, 60.0);
    // Leavitt law M_V = -2.43 (log P - 1) - 4.05, scatter 0.2 mag.
    EXPECT_NEAR(dcep.abs_mag_v, -2.43 * (std::log10(dcep.period_days) - 1) - 4.05, 1.2);
    const auto t2 = draw_star(star_class::T2CEP, rng);
    EXPECT_GT(t2.abs_mag_v, dcep.abs_mag_v - 6.0);
    const auto lsp = draw_star(star_class::LSP, rng);
    EXPECT_GE(lsp.period_days, 300.0);
    EXPECT_TRUE(lsp.giant);
    EXPECT_LT(lsp.teff, 4200.0);
    const auto yso = draw_star(star_class::YSO, rng);
    EXPECT_LT(yso.abs_mag_v, main_sequence_abs_mag(yso.teff) - 0.99);  // above the main sequence
    EXPECT_GE(yso.dust, 1.0);
    EXPECT_GE(yso.extinction_v, 0.5);
  }
  // At the same period a type II Cepheid is fainter than a classical one (Soszynski et al.).
  double dcep_mag = 0, t2_mag = 0;
  for (int i = 0; i < 400; ++i) {
    auto a = draw_star(star_class::DCEP, rng), b = draw_star(star_class::T2CEP, rng);
    dcep_mag += a.abs_mag_v + 2.43 * std::log10(a.period_days);
    t2_mag += b.abs_mag_v + 2.43 * std::log10(b.period_days);
  }
  EXPECT_GT(t2_mag / 400, dcep_mag / 400 + 1.0);
  // YSO light curves dip aperiodically: not a function of phase alone.
  Star yso = draw_star(star_class::YSO, rng);
  yso.shape = {0.2, 0.3, 0.9, 0.4, 0.5, 0.6};
  double spread = 0;
  for (int cycle = 0; cycle < 40; ++cycle) {
    spread = std::max(spread, std::fabs(model_delta_mag(yso, cycle * yso.period_days, 0.0) -
                                        model_delta_mag(yso, 0.0, 0.0)));
  }
  EXPECT_GT(spread, 0.2 * yso.amplitude_mag);
}

}  // namespace
}  // namespace astrom3::synth

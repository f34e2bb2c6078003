#include <gtest/gtest.h>

#include "astrom3/common/error.h"
#include "astrom3/data/survey_io.h"
#include "astrom3/data/survey_validation.h"
#include "support/test_support.h"

namespace astrom3::data {
namespace {

void expect_same(const Survey& a, const Survey& b) {
  EXPECT_EQ(a.ids, b.ids);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.class_names, b.class_names);
  EXPECT_EQ(a.provenance, b.provenance);
  EXPECT_EQ(a.photometry.present, b.photometry.present);
  EXPECT_EQ(a.photometry.offsets, b.photometry.offsets);
  EXPECT_EQ(a.photometry.time, b.photometry.time);
  EXPECT_EQ(a.photometry.flux, b.photometry.flux);
  EXPECT_EQ(a.photometry.flux_err, b.photometry.flux_err);
  EXPECT_EQ(a.photometry.features, b.photometry.features);
  EXPECT_EQ(a.spectra.present, b.spectra.present);
  EXPECT_EQ(a.spectra.offsets, b.spectra.offsets);
  EXPECT_EQ(a.spectra.wavelength, b.spectra.wavelength);
  EXPECT_EQ(a.spectra.flux, b.spectra.flux);
  EXPECT_EQ(a.spectra.ivar, b.spectra.ivar);
  EXPECT_EQ(a.metadata.present, b.metadata.present);
  EXPECT_EQ(a.metadata.values, b.metadata.values);
  ASSERT_EQ(a.split_sets.size(), b.split_sets.size());
  for (const auto& [name, set] : a.split_sets) {
    const auto& other = b.split_sets.at(name);
    EXPECT_EQ(set.subset, other.subset);
    EXPECT_EQ(set.seed, other.seed);
    EXPECT_EQ(set.train, other.train);
    EXPECT_EQ(set.val, other.val);
    EXPECT_EQ(set.test, other.test);
    EXPECT_EQ(set.unlabeled, other.unlabeled);
    EXPECT_EQ(set.normalization.mean, other.normalization.mean);
    EXPECT_EQ(set.normalization.std, other.normalization.std);
  }
}

TEST(SurveyIo, RoundTripIsExact) {
  test::TempDir dir;
  const auto& s = *test::small_survey();
  write_survey(s, dir / "s.h5");
  expect_same(s, read_survey(dir / "s.h5"));
}

TEST(SurveyIo, RoundTripKeepsAbsentModalitiesAndUnlabelledObjects) {
  SurveyBuilder b({"A", "B"});
  SurveyBuilder::Object o;
  o.id = "with-all";
  o.label = 1;
  o.time = {1.0, 2.0};
  o.flux = {3.0f, 4.0f};
  o.flux_err = {0.1f, 0.1f};
  o.wavelength = {4000.0f, 8000.0f};
  o.spec_flux = {1.0f, 2.0f};
  o.ivar = {1.0f, 1.0f};
  b.add(o);
  SurveyBuilder::Object bare;
  bare.id = "no-spectrum-no-label";
  bare.has_spectrum = false;
  bare.time = {5.0};
  bare.flux = {1.0f};
  bare.flux_err = {0.5f};
  b.add(bare);
  Survey s = b.finish();
  SplitSet set;
  set.subset = "custom";
  set.train = {0};
  set.unlabeled = {1};
  set.normalization.mean.assign(38, 0.0);
  set.normalization.std.assign(38, 1.0);
  s.split_sets["custom_1"] = set;
  test::TempDir dir;
  write_survey(s, dir / "t.h5");
  const Survey back = read_survey(dir / "t.h5");
  expect_same(s, back);
  EXPECT_EQ(back.spectra.present[1], 0);
  EXPECT_EQ(back.labels[1], -1);
}

TEST(SurveyIo, UnknownSplitSetNamesTheAvailableOnes) {
  try {
    test::small_survey()->split_set("full_43");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("full_42"), std::string::npos);
  }
}

}  // namespace
}  // namespace astrom3::data

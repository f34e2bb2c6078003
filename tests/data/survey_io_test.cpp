#include <gtest/gtest.h>

#include "astrom3/common/error.h"
#include "astrom3/data/survey_io.h"
#include "astrom3/data/survey_validation.h"
#include "support/test_support.h"

namespace astrom3::data {
namespace {

TEST(SurveyIo, RoundTripIsExact) {
  test::TempDir dir;
  const auto& s = *test::small_survey();
  write_survey(s, dir / "s.h5");
  test::expect_same_survey(s, read_survey(dir / "s.h5"));
}

TEST(SurveyIo, RoundTripKeepsAbsentModalitiesUnlabelledAndUnseenObjects) {
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
  SurveyBuilder::Object unseen = bare;
  unseen.id = "an-unseen-class";
  b.add(unseen);
  Survey s = b.finish();
  SplitSet set;
  set.subset = "custom";
  set.train = {0};
  set.unlabeled = {1};
  set.unseen = {2};
  set.normalization.mean.assign(38, 0.0);
  set.normalization.std.assign(38, 1.0);
  s.split_sets["custom_1"] = set;
  test::TempDir dir;
  write_survey(s, dir / "t.h5");
  const Survey back = read_survey(dir / "t.h5");
  test::expect_same_survey(s, back);
  EXPECT_EQ(back.spectra.present[1], 0);
  EXPECT_EQ(back.labels[1], -1);
  EXPECT_EQ(back.split_sets.at("custom_1").unseen, std::vector<std::int64_t>{2});
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

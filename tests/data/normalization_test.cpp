// fit_normalization against hand-computed statistics: columns fitted over the rows that observe
// them (photometry features over objects with photometry, metadata over objects with
// metadata), constant columns, and a catalogue that has nothing but periods.
#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <limits>
#include <sstream>

#include "astrom3/data/normalization.h"
#include "astrom3/data/schema.h"

namespace astrom3::data {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kPmra = kNumPhotoCols + 11;  // an untransformed metadata column
static_assert(kNumPhotoCols == 4, "photo_cols: amplitude, period, lksl_statistic, rfr_score");

struct Row {
  bool photometry, metadata;
  double period, pmra;
};

// Objects with only the given modalities; every other catalogue value is NaN (unobserved).
Survey survey_of(const std::vector<Row>& rows) {
  SurveyBuilder b(std::vector<std::string>(kClassNames.begin(), kClassNames.end()));
  int i = 0;
  for (const auto& r : rows) {
    SurveyBuilder::Object o;
    o.id = "o" + std::to_string(i++);
    o.has_photometry = r.photometry;
    if (r.photometry) {
      o.time = {1.0, 2.0};
      o.flux = o.flux_err = {1.0f, 1.0f};
    }
    o.has_spectrum = false;
    o.has_metadata = r.metadata;
    o.photo_features.fill(kNaN);
    o.photo_features[kPeriod] = r.period;
    o.meta.fill(kNaN);
    o.meta[11] = r.pmra;
    b.add(o);
  }
  return b.finish();
}

std::vector<std::int64_t> all_rows(const Survey& s) {
  std::vector<std::int64_t> rows(static_cast<std::size_t>(s.size()));
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<std::int64_t>(i);
  return rows;
}

// Captures the default logger's warnings for one scope.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return text_.str(); }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream text_;
};

TEST(Normalization, ACatalogueOfOnlyPeriodsGetsItsPeriodStatistics) {
  // Periods 1, 10, 100 days: log10 = 0, 1, 2; mean 1, population std sqrt(2/3). No object has
  // metadata, which used to leave every column at mean 0, std 1.
  const auto s =
      survey_of({{true, false, 1.0, kNaN}, {true, false, 10.0, kNaN}, {true, false, 100.0, kNaN}});
  const auto stats = fit_normalization(s, all_rows(s));
  EXPECT_NEAR(stats.mean[kPeriod], 1.0, 1e-12);
  EXPECT_NEAR(stats.std[kPeriod], std::sqrt(2.0 / 3.0), 1e-12);
  for (int c = 0; c < kNumNormCols; ++c) {
    if (c == kPeriod) continue;
    EXPECT_EQ(stats.mean[c], 0.0) << c;
    EXPECT_EQ(stats.std[c], 1.0) << c;
  }
  float z[kNumNormCols];
  normalized_catalogue(s, 2, stats, z);
  EXPECT_NEAR(z[kPeriod], 1.0 / std::sqrt(2.0 / 3.0), 1e-6);
}

TEST(Normalization, EachColumnIsFittedOverTheObjectsThatObserveIt) {
  // Row 0: both modalities; row 1: photometry only; row 2: metadata only. A row without a
  // modality contributes nothing to that modality's columns even if values are stored.
  const auto s = survey_of({{true, true, 10.0, 2.0},
                            {true, false, 1000.0, 50.0},
                            {false, true, 1e6, 6.0},
                            {false, false, 1e9, 1e9}});
  const auto stats = fit_normalization(s, all_rows(s));
  // log10 periods of rows 0, 1: 1 and 3 -> mean 2, std 1.
  EXPECT_NEAR(stats.mean[kPeriod], 2.0, 1e-12);
  EXPECT_NEAR(stats.std[kPeriod], 1.0, 1e-12);
  // pmra of rows 0, 2: 2 and 6 -> mean 4, std 2.
  EXPECT_NEAR(stats.mean[kPmra], 4.0, 1e-12);
  EXPECT_NEAR(stats.std[kPmra], 2.0, 1e-12);
  // Only the given rows count: of rows {0, 1}, one observes pmra (its single value is no
  // spread to scale by, so std stays 1).
  const auto two = fit_normalization(s, {0, 1});
  EXPECT_NEAR(two.mean[kPeriod], 2.0, 1e-12);
  EXPECT_NEAR(two.mean[kPmra], 2.0, 1e-12);
  EXPECT_EQ(two.std[kPmra], 1.0);
}

TEST(Normalization, ASplitSetIsFittedOnItsTrainAndUnlabeledObjectsOnly) {
  // log10 periods 0, 1, 2, 3 in rows 0-3: train {0}, unlabeled {1}, val {2}, test {3}.
  const auto s = survey_of({{true, true, 1.0, 1.0},
                            {true, true, 10.0, 3.0},
                            {true, true, 100.0, 100.0},
                            {true, true, 1000.0, 100.0}});
  SplitSet set;
  set.train = {0};
  set.unlabeled = {1};
  set.val = {2};
  set.test = {3};
  const auto stats = fit_split_normalization(s, set);
  EXPECT_NEAR(stats.mean[kPeriod], 0.5, 1e-12);
  EXPECT_NEAR(stats.std[kPeriod], 0.5, 1e-12);
  EXPECT_NEAR(stats.mean[kPmra], 2.0, 1e-12);
  EXPECT_NEAR(stats.std[kPmra], 1.0, 1e-12);
  // Without any train or unlabeled object: the identity.
  const auto empty = fit_split_normalization(s, SplitSet{});
  EXPECT_EQ(empty.mean[kPeriod], 0.0);
  EXPECT_EQ(empty.std[kPmra], 1.0);
}

TEST(Normalization, ConstantAndNearConstantColumnsGetStdOneAndAWarning) {
  // 0.1 seven times: the summed mean is off by rounding, so the two-pass std is ~1e-17,
  // not 0; the column is still constant.
  std::vector<Row> rows;
  for (int i = 0; i < 7; ++i) rows.push_back({true, true, 10.0 + i, 0.1});
  const auto s = survey_of(rows);
  LogCapture log;
  const auto stats = fit_normalization(s, all_rows(s));
  EXPECT_NEAR(stats.mean[kPmra], 0.1, 1e-15);
  EXPECT_EQ(stats.std[kPmra], 1.0);
  EXPECT_NE(log.text().find("column pmra is constant"), std::string::npos) << log.text();
  EXPECT_EQ(log.text().find("column period"), std::string::npos) << log.text();
  EXPECT_GT(stats.std[kPeriod], 0.01);
  // The rule: std <= 1e-8 |mean| is constant; a small but real spread is not.
  EXPECT_TRUE(is_constant_column(0.1, 0.0));
  EXPECT_TRUE(is_constant_column(0.1, 6e-16));
  EXPECT_TRUE(is_constant_column(0.0, 0.0));
  EXPECT_FALSE(is_constant_column(0.0, 1e-12));
  EXPECT_FALSE(is_constant_column(1000.0, 1e-3));
}

}  // namespace
}  // namespace astrom3::data

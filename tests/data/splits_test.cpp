#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "astrom3/common/error.h"
#include "astrom3/data/normalization.h"
#include "astrom3/data/schema.h"
#include "astrom3/data/splits.h"
#include "support/test_support.h"

namespace astrom3::data {
namespace {

std::vector<std::int64_t> per_class(const Survey& s, const std::vector<std::int64_t>& rows) {
  std::vector<std::int64_t> c(kNumClasses, 0);
  for (auto r : rows) ++c[s.labels[r]];
  return c;
}

TEST(Splits, FullSetsAreDisjointWithSklearnSizesForEverySeed) {
  const auto& s = *test::small_survey(1000, 3);
  for (int seed : kSplitSeeds) {
    const auto& set = s.split_set(split_set_name("full", seed));
    // train_test_split(test_size=0.2) then (test_size=0.5): 800 / 100 / 100.
    EXPECT_EQ(set.train.size(), 800u);
    EXPECT_EQ(set.val.size(), 100u);
    EXPECT_EQ(set.test.size(), 100u);
    std::set<std::int64_t> all(set.train.begin(), set.train.end());
    all.insert(set.val.begin(), set.val.end());
    all.insert(set.test.begin(), set.test.end());
    EXPECT_EQ(all.size(), 1000u) << "seed " << seed;
  }
  EXPECT_NE(s.split_set("full_42").test, s.split_set("full_66").test);
}

TEST(Splits, SubsetsAreNestedInTheirSeedsSplitsAndCappedPerClass) {
  const auto& s = *test::small_survey(1000, 3);
  for (int seed : kSplitSeeds) {
    const auto& full = s.split_set(split_set_name("full", seed));
    for (const auto& sub : kSubsets) {
      if (sub.factor == 1) continue;
      const auto& set = s.split_set(split_set_name(sub.name, seed));
      const std::vector<std::int64_t>* parts[3] = {&set.train, &set.val, &set.test};
      const std::vector<std::int64_t>* parents[3] = {&full.train, &full.val, &full.test};
      for (int p = 0; p < 3; ++p) {
        for (auto r : *parts[p]) {
          ASSERT_TRUE(std::binary_search(parents[p]->begin(), parents[p]->end(), r));
        }
        const auto parent_counts = per_class(s, *parents[p]);
        const auto counts = per_class(s, *parts[p]);
        const auto cap = water_filling_cap(
            parent_counts, static_cast<std::int64_t>(parents[p]->size()) / sub.factor);
        for (int k = 0; k < kNumClasses; ++k) {
          EXPECT_EQ(counts[k], std::min(parent_counts[k], cap)) << sub.name << " class " << k;
        }
        EXPECT_LE(parts[p]->size(), parents[p]->size() / sub.factor);
      }
      EXPECT_TRUE(set.unlabeled.empty());
    }
  }
}

TEST(Splits, NormalizationIsFittedOnTrainOnly) {
  Survey s = *test::small_survey(300, 9);
  const auto& set = s.split_set("full_42");
  const auto refit = fit_normalization(s, set.train);
  EXPECT_EQ(refit.mean, set.normalization.mean);
  EXPECT_EQ(refit.std, set.normalization.std);
  // Changing a test object's catalogue values leaves the train statistics unchanged.
  s.metadata.values[set.test.front() * kNumMetaCols + 0] += 1000.0;
  EXPECT_EQ(fit_normalization(s, set.train).mean, refit.mean);
  // ...while changing a train object's values moves them.
  s.metadata.values[set.train.front() * kNumMetaCols + 0] += 1000.0;
  EXPECT_NE(fit_normalization(s, set.train).mean, refit.mean);
}

TEST(Splits, RandomSplitSizesFollowSklearnsTwoSteps) {
  // held = ceil((v + t) n), test = ceil(t / (v + t) * held).
  const auto a = random_split_sizes(10, 0.1, 0.1);
  EXPECT_EQ(std::make_tuple(a.train, a.val, a.test), std::make_tuple(8, 1, 1));
  const auto b = random_split_sizes(21441, 0.1, 0.1);  // held 4289 -> test 2145, val 2144
  EXPECT_EQ(std::make_tuple(b.train, b.val, b.test), std::make_tuple(17152, 2144, 2145));
  const auto c = random_split_sizes(7, 0.2, 0.1);  // held ceil(2.1) = 3, test ceil(1) = 1
  EXPECT_EQ(std::make_tuple(c.train, c.val, c.test), std::make_tuple(4, 2, 1));
  const auto d = random_split_sizes(5, 0.0, 0.0);
  EXPECT_EQ(std::make_tuple(d.train, d.val, d.test), std::make_tuple(5, 0, 0));
}

TEST(Splits, StratifiedRandomSplitCutsEveryClassAlike) {
  const auto& s = *test::small_survey();
  RandomSplitOptions o;
  o.seed = 7;
  o.stratified = true;
  const auto set = make_random_split_set(s, o);
  const auto all = per_class(s, [&] {
    std::vector<std::int64_t> rows;
    for (std::int64_t i = 0; i < s.size(); ++i) {
      if (s.labels[i] >= 0) rows.push_back(i);
    }
    return rows;
  }());
  const auto train = per_class(s, set.train), val = per_class(s, set.val),
             test = per_class(s, set.test);
  for (int k = 0; k < kNumClasses; ++k) {
    const auto want = random_split_sizes(all[k], 0.1, 0.1);
    EXPECT_EQ(train[k], want.train) << kClassNames[k];
    EXPECT_EQ(val[k], want.val) << kClassNames[k];
    EXPECT_EQ(test[k], want.test) << kClassNames[k];
  }
  std::set<std::int64_t> seen(set.train.begin(), set.train.end());
  for (const auto* rows : {&set.val, &set.test}) {
    for (auto r : *rows) EXPECT_TRUE(seen.insert(r).second);
  }
  EXPECT_TRUE(std::is_sorted(set.train.begin(), set.train.end()));
  EXPECT_EQ(make_random_split_set(s, o).train, set.train);  // deterministic
  o.seed = 8;
  EXPECT_NE(make_random_split_set(s, o).train, set.train);
  o.stratified = false;
  const auto plain = make_random_split_set(s, o);
  const auto sizes = random_split_sizes(static_cast<std::int64_t>(seen.size()), 0.1, 0.1);
  EXPECT_EQ(static_cast<std::int64_t>(plain.train.size()), sizes.train);
  EXPECT_EQ(static_cast<std::int64_t>(plain.test.size()), sizes.test);
  o.val_fraction = 0.6;
  o.test_fraction = 0.4;
  EXPECT_THROW(make_random_split_set(s, o), ConfigError);
}

TEST(Splits, WaterFillingHandCases) {
  EXPECT_EQ(water_filling_cap({10, 5, 1}, 16), 10);  // everything fits
  EXPECT_EQ(water_filling_cap({10, 5, 1}, 8), 3);    // 4 + 4 + 1 = 9 > 8, 3 + 3 + 1 = 7
  EXPECT_EQ(water_filling_cap({10, 5, 1}, 9), 4);    // 4 + 4 + 1 = 9
  EXPECT_EQ(water_filling_cap({}, 9), 0);
}

}  // namespace
}  // namespace astrom3::data

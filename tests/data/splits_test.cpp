#include <gtest/gtest.h>

#include <algorithm>
#include <set>

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

TEST(Splits, WaterFillingHandCases) {
  EXPECT_EQ(water_filling_cap({10, 5, 1}, 16), 10);  // everything fits
  EXPECT_EQ(water_filling_cap({10, 5, 1}, 8), 3);    // 4 + 4 + 1 = 9 > 8, 3 + 3 + 1 = 7
  EXPECT_EQ(water_filling_cap({10, 5, 1}, 9), 4);    // 4 + 4 + 1 = 9
  EXPECT_EQ(water_filling_cap({}, 9), 0);
}

}  // namespace
}  // namespace astrom3::data

#include "astrom3/eval/open_set.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "astrom3/common/error.h"
#include "support/seeded_test.h"

namespace astrom3::eval {
namespace {

torch::Tensor f64(std::vector<double> v) {
  return torch::tensor(v, torch::kFloat64);
}

class OpenSet : public test::SeededTest {};

TEST_F(OpenSet, ThresholdKeepsTheRecallHalfwayToTheNextScore) {
  const auto s = f64({5, 1, 4, 2, 3});
  EXPECT_DOUBLE_EQ(threshold_at_recall(s, 0.6), 3.5);  // 3 of 5 at or below
  EXPECT_DOUBLE_EQ(threshold_at_recall(s, 0.8), 4.5);  // exactly 4 of 5, not 5
  EXPECT_DOUBLE_EQ(threshold_at_recall(s, 0.0), 1.5);  // at least one object
  // ceil(4.75) = 5: every object kept, the threshold just above the largest.
  EXPECT_DOUBLE_EQ(threshold_at_recall(s, 0.95), 5.0 + 5e-6);
  // A tie with the next score: just above the tied value (both kept).
  EXPECT_DOUBLE_EQ(threshold_at_recall(f64({1, 2, 2, 3}), 0.5), 2.0 + 2e-6);
  EXPECT_THROW(threshold_at_recall(torch::empty({0}, torch::kFloat64), 0.95), Error);
}

TEST_F(OpenSet, AurocAndFprMatchHandCountedPairs) {
  // Known scores 1..20: the 95 % threshold is 19.5. Unseen: 18.5 beats 18 known objects, 19
  // beats 18 and ties 1 (18.5), 19.5 beats 19, 25 beats 20: AUROC = 75.5 / 80.
  std::vector<double> known;
  for (int i = 1; i <= 20; ++i) known.push_back(i);
  const auto q = open_set_quality(f64(known), f64({18.5, 19, 19.5, 25}), 10.0);
  EXPECT_EQ(q.known, 20);
  EXPECT_EQ(q.unseen, 4);
  EXPECT_NEAR(q.auroc, 75.5 / 80.0, 1e-12);
  EXPECT_DOUBLE_EQ(q.fpr_at_95, 0.75);     // 18.5, 19 and 19.5 are accepted as known
  EXPECT_DOUBLE_EQ(q.flagged_known, 0.5);  // 11..20 above 10
  EXPECT_DOUBLE_EQ(q.flagged_unseen, 1.0);
  // Perfect separation and its mirror image.
  EXPECT_DOUBLE_EQ(open_set_quality(f64({1, 2}), f64({3, 4}), 2.5).auroc, 1.0);
  EXPECT_DOUBLE_EQ(open_set_quality(f64({3, 4}), f64({1, 2}), 2.5).auroc, 0.0);
  // Without unseen objects there is no AUROC, but the known flag rate still is.
  const auto none = open_set_quality(f64({1, 2, 3, 4}), torch::empty({0}, torch::kFloat64), 2.5);
  EXPECT_TRUE(std::isnan(none.auroc));
  EXPECT_DOUBLE_EQ(none.flagged_known, 0.5);
}

TEST_F(OpenSet, EnergyAndMaxSoftmaxHaveTheirClosedForms) {
  OpenSetDetector d;
  const auto z = torch::tensor({{0.0, std::log(3.0)}}, torch::kFloat64);
  d.score = UnknownScore::kEnergy;
  EXPECT_NEAR(unknown_scores(d, z)[0].item<double>(), -std::log(4.0), 1e-12);
  d.temperature = 2.0;  // -2 log(1 + 3^(1/2))
  EXPECT_NEAR(unknown_scores(d, z)[0].item<double>(), -2.0 * std::log(1.0 + std::sqrt(3.0)), 1e-12);
  d.score = UnknownScore::kMaxSoftmax;
  d.temperature = 1.0;
  EXPECT_NEAR(unknown_scores(d, z)[0].item<double>(), -0.75, 1e-12);
}

TEST_F(OpenSet, MahalanobisUsesTheSharedCovarianceOfTheTrainingLogits) {
  // Two classes whose logits scatter by (+-1, 0) and (0, +-1) around (0, 0) and (10, 0): the
  // shared covariance is diag(0.5, 0.5), shrunk by 1e-3 of its mean variance.
  const auto train = torch::tensor({{1.0, 0.0},
                                    {-1.0, 0.0},
                                    {0.0, 1.0},
                                    {0.0, -1.0},
                                    {11.0, 0.0},
                                    {9.0, 0.0},
                                    {10.0, 1.0},
                                    {10.0, -1.0}});
  const auto labels = torch::tensor({0, 0, 0, 0, 1, 1, 1, 1}, torch::kInt64);
  const double var = 0.5 * (1 + 1e-3);
  const auto val = torch::tensor({{0.0, 3.0}, {10.0, 1.0}});
  const auto d = fit_open_set(UnknownScore::kMahalanobis, 1.0, train, labels, val, 0.5);
  EXPECT_EQ(d.fit_objects, 8);
  EXPECT_EQ(d.threshold_objects, 2);
  const auto s = unknown_scores(d, val);
  EXPECT_NEAR(s[0].item<double>(), 9.0 / var, 1e-9);  // nearest mean (0, 0)
  EXPECT_NEAR(s[1].item<double>(), 1.0 / var, 1e-9);  // nearest mean (10, 0)
  EXPECT_NEAR(d.threshold, 5.0 / var, 1e-9);          // half of the val objects kept: halfway
  EXPECT_TRUE(torch::allclose(d.means, torch::tensor({{0.0, 0.0}, {10.0, 0.0}}, torch::kFloat64)));
}

TEST_F(OpenSet, ClassesWithoutTrainingObjectsAreNeverNearestAndSurviveJson) {
  seed(3);
  // Three logits, class 2 never in the training labels.
  const auto train = torch::randn({40, 3}, torch::kFloat64) +
                     torch::tensor({5.0, 0.0, 0.0}, torch::kFloat64).repeat({40, 1});
  auto labels = torch::zeros({40}, torch::kInt64);
  labels.narrow(0, 20, 20).fill_(1);
  const auto val = torch::randn({10, 3}, torch::kFloat64);
  const auto d = fit_open_set(UnknownScore::kMahalanobis, 1.3, train, labels, val);
  EXPECT_TRUE(d.means[2].isnan().all().item<bool>());
  const auto scores = unknown_scores(d, val);
  EXPECT_TRUE(scores.isfinite().all().item<bool>());
  const auto back = open_set_from_json(to_json(d), "test");
  EXPECT_EQ(back.score, UnknownScore::kMahalanobis);
  EXPECT_DOUBLE_EQ(back.temperature, 1.3);
  EXPECT_DOUBLE_EQ(back.threshold, d.threshold);
  EXPECT_TRUE(torch::allclose(unknown_scores(back, val), scores, 1e-12, 1e-12));
  // 95 % of 10 val objects: all 10, so just above the largest.
  const double top = scores.max().item<double>();
  EXPECT_GT(d.threshold, top);
  EXPECT_LT(d.threshold, top + 1e-5 * std::max(1.0, top));
  auto broken = to_json(d);
  broken["precision"][0][1] = nullptr;
  EXPECT_THROW(open_set_from_json(broken, "test"), DataError);
  broken = to_json(d);
  broken["score"] = "odin";
  EXPECT_THROW(open_set_from_json(broken, "test"), DataError);
}

TEST_F(OpenSet, MahalanobisSeparatesAClassMixtureThatMaxSoftmaxCannot) {
  // Known classes have logits near (8, -8) and (-8, 8); unseen objects near (16, 0) and
  // (0, -16): the same margin of 16 between the two logits, so max-softmax sees them as just as
  // confident (and energy ranks half of them more known), while the Mahalanobis distance sees a
  // pattern no class produces.
  seed(5);
  const auto known_at = [](double a, double b, std::int64_t n) {
    return torch::randn({n, 2}, torch::kFloat64) * 0.5 +
           torch::tensor({a, b}, torch::kFloat64).repeat({n, 1});
  };
  const auto train = torch::cat({known_at(8, -8, 200), known_at(-8, 8, 200)});
  auto labels = torch::zeros({400}, torch::kInt64);
  labels.narrow(0, 200, 200).fill_(1);
  const auto val = torch::cat({known_at(8, -8, 50), known_at(-8, 8, 50)});
  const auto test = torch::cat({known_at(8, -8, 50), known_at(-8, 8, 50)});
  const auto unseen = torch::cat({known_at(16, 0, 50), known_at(0, -16, 50)});
  const auto d = fit_open_set(UnknownScore::kMahalanobis, 1.0, train, labels, val);
  const auto compared = compare_unknown_scores(d, test, unseen);
  ASSERT_EQ(compared.size(), 3u);
  EXPECT_EQ(compared[0].first, UnknownScore::kMahalanobis);
  EXPECT_GT(compared[0].second.auroc, 0.99);
  EXPECT_LT(compared[0].second.fpr_at_95, 0.05);
  EXPECT_GT(compared[0].second.flagged_unseen, 0.95);
  EXPECT_NEAR(compared[0].second.flagged_known, 0.05, 0.05);
  EXPECT_EQ(compared[1].first, UnknownScore::kEnergy);
  EXPECT_LT(compared[1].second.auroc, 0.9);
  EXPECT_EQ(compared[2].first, UnknownScore::kMaxSoftmax);
  EXPECT_LT(compared[2].second.auroc, 0.9);
}

TEST_F(OpenSet, ScoreNamesRoundTrip) {
  for (auto s : kUnknownScores) EXPECT_EQ(unknown_score_from_name(unknown_score_name(s)), s);
  EXPECT_THROW(unknown_score_from_name("msp"), ConfigError);
}

}  // namespace
}  // namespace astrom3::eval

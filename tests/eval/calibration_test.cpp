#include "astrom3/eval/calibration.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "astrom3/common/error.h"

namespace astrom3::eval {
namespace {

TEST(Calibration, NllAndEceMatchHandComputedValues) {
  // Two objects, two classes. Object 0: logits (2, 0), label 0; object 1: logits (0, 1), label 0.
  const auto logits = torch::tensor({{2.0, 0.0}, {0.0, 1.0}});
  const auto labels = torch::tensor({0, 0}, torch::kInt64);
  // NLL = mean(log(1 + e^-2), log(1 + e^1)).
  const double nll = (std::log1p(std::exp(-2.0)) + std::log1p(std::exp(1.0))) / 2;
  const auto q = calibration_quality(logits, labels, 1.0);
  EXPECT_NEAR(q.nll, nll, 1e-12);
  // At T = 2: mean(log(1 + e^-1), log(1 + e^0.5)).
  EXPECT_NEAR(calibration_quality(logits, labels, 2.0).nll,
              (std::log1p(std::exp(-1.0)) + std::log1p(std::exp(0.5))) / 2, 1e-12);
  // Confidences: sigmoid(2) = 0.8808 (correct) falls in bin index 13, (13/15, 14/15];
  // sigmoid(1) = 0.7311 (wrong) in bin index 10, (10/15, 11/15] = (0.6667, 0.7333].
  const double c0 = 1 / (1 + std::exp(-2.0)), c1 = 1 / (1 + std::exp(-1.0));
  ASSERT_EQ(q.bins.size(), 15u);
  EXPECT_EQ(q.bins[13].count, 1);
  EXPECT_EQ(q.bins[10].count, 1);
  EXPECT_NEAR(q.bins[13].confidence, c0, 1e-12);
  EXPECT_DOUBLE_EQ(q.bins[13].accuracy, 1.0);
  EXPECT_DOUBLE_EQ(q.bins[10].accuracy, 0.0);
  // ECE = (|1 - c0| + |0 - c1|) / 2.
  EXPECT_NEAR(q.ece, ((1 - c0) + c1) / 2, 1e-12);
  std::int64_t total = 0;
  for (const auto& b : q.bins) total += b.count;
  EXPECT_EQ(total, 2);
}

TEST(Calibration, TemperatureOfAnOverconfidentModelHasItsClosedForm) {
  // 1000 objects with logits (10, 0); 800 are class 0. The NLL-optimal probability of class 0
  // is 0.8, so sigmoid(10 / T) = 0.8: T = 10 / ln 4.
  const auto logits = torch::tensor({10.0, 0.0}).repeat({1000, 1});
  auto labels = torch::zeros({1000}, torch::kInt64);
  labels.narrow(0, 800, 200).fill_(1);
  const auto c = calibrate(logits, labels);
  EXPECT_NEAR(c.temperature, 10.0 / std::log(4.0), 1e-4);
  EXPECT_EQ(c.objects, 1000);
  EXPECT_LT(c.after.nll, c.before.nll);
  EXPECT_NEAR(c.after.nll, -(0.8 * std::log(0.8) + 0.2 * std::log(0.2)), 1e-8);
  // Every confidence becomes 0.8 with accuracy 0.8: calibrated exactly.
  EXPECT_GT(c.before.ece, 0.19);
  EXPECT_NEAR(c.after.ece, 0.0, 1e-6);
}

TEST(Calibration, UnderconfidentLogitsAreSharpenedAndArgmaxIsUnchanged) {
  torch::manual_seed(0);
  const auto labels = torch::randint(0, 4, {400}, torch::kInt64);
  // Correct class favoured by 0.3 logits only, but the data is perfectly separable by it.
  auto logits = torch::randn({400, 4}) * 0.01;
  logits.scatter_add_(1, labels.unsqueeze(1), torch::full({400, 1}, 0.3));
  const auto c = calibrate(logits, labels);
  EXPECT_LT(c.temperature, 1.0);
  EXPECT_LT(c.after.nll, c.before.nll);
  EXPECT_TRUE(torch::equal((logits / c.temperature).argmax(1), logits.argmax(1)));
}

TEST(Calibration, EmptyInputAndJsonRoundTrip) {
  const auto none = calibrate(torch::empty({0, 3}), torch::empty({0}, torch::kInt64));
  EXPECT_EQ(none.temperature, 1.0);
  EXPECT_EQ(none.objects, 0);
  const auto logits = torch::tensor({{3.0, 0.0, -1.0}, {0.5, 0.2, 0.0}, {0.0, 0.0, 4.0}});
  const auto c = calibrate(logits, torch::tensor({0, 1, 2}, torch::kInt64));
  const auto back = calibration_from_json(to_json(c), "test");
  EXPECT_DOUBLE_EQ(back.temperature, c.temperature);
  EXPECT_DOUBLE_EQ(back.after.nll, c.after.nll);
  EXPECT_EQ(back.before.bins.size(), 15u);
  auto bad = to_json(c);
  bad["temperature"] = -1.0;
  EXPECT_THROW(calibration_from_json(bad, "test"), DataError);
  bad.erase("after");
  EXPECT_THROW(calibration_from_json(bad, "test"), DataError);
}

}  // namespace
}  // namespace astrom3::eval

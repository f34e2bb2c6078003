// Counter-based dropout (model/dropout.h): statistics of the masks, exact scaling, the backward
// pass, reproducibility, and the flop count of the paper model, all against independent
// expectations (binomial bounds, autograd of an explicit mask, hand-computed counts).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "astrom3/model/dropout.h"
#include "astrom3/model/flop_count.h"

using namespace astrom3::model;

TEST(FastDropout, KeepRateIsOneMinusPWithinBinomialBounds) {
  const std::int64_t n = 1'000'003;  // odd: the last element has its own draw
  for (const double p : {0.1, 0.245, 0.5, 0.9}) {
    const double kept = counter_dropout_mask(n, p, 12345).sum().item<double>();
    const double sigma = std::sqrt(n * p * (1 - p));
    EXPECT_NEAR(kept, n * (1 - p), 5 * sigma) << "p = " << p;
  }
}

TEST(FastDropout, KeptValuesAreScaledExactlyAndDroppedAreZero) {
  const auto x = torch::randn({64, 200, 128});
  const double p = 0.3;
  const auto y = counter_dropout(x, p, 7);
  const auto mask = counter_dropout_mask(x.numel(), p, 7).view_as(x);
  const auto expected = x * mask * static_cast<float>(1.0 / (1.0 - p));
  EXPECT_TRUE(torch::equal(y, expected));
}

TEST(FastDropout, GradientIsTheSameMaskScaled) {
  const auto x = torch::randn({33, 17}, torch::requires_grad());
  const auto w = torch::randn({33, 17});
  (counter_dropout(x, 0.4, 99) * w).sum().backward();
  const auto mask = counter_dropout_mask(x.numel(), 0.4, 99).view_as(x);
  EXPECT_TRUE(torch::allclose(x.grad(), w * mask / 0.6, 1e-6, 1e-7));
}

TEST(FastDropout, NonContiguousInputUsesItsLogicalOrder) {
  const auto base = torch::randn({40, 30});
  const auto t = base.t();  // not contiguous
  EXPECT_TRUE(torch::equal(counter_dropout(t, 0.5, 3), counter_dropout(t.contiguous(), 0.5, 3)));
}

TEST(FastDropout, SeedsGiveIndependentMasks) {
  const std::int64_t n = 400'000;
  const auto a = counter_dropout_mask(n, 0.5, 1);
  const auto b = counter_dropout_mask(n, 0.5, 2);
  const auto c = counter_dropout_mask(n, 0.5, 1ULL << 32);  // differs only in the high half
  EXPECT_TRUE(torch::equal(a, counter_dropout_mask(n, 0.5, 1)));
  for (const auto& other : {b, c}) {
    // Agreement of two independent fair masks is 1/2 with sigma 1 / (2 sqrt(n)).
    const double agree = a.eq(other).to(torch::kFloat64).mean().item<double>();
    EXPECT_NEAR(agree, 0.5, 5 * 0.5 / std::sqrt(static_cast<double>(n)));
  }
  // Neighbouring elements of one mask are independent too (no lattice structure).
  const double neighbours =
      a.slice(0, 1).eq(a.slice(0, 0, n - 1)).to(torch::kFloat64).mean().item<double>();
  EXPECT_NEAR(neighbours, 0.5, 5 * 0.5 / std::sqrt(static_cast<double>(n)));
}

TEST(FastDropout, ModuleIsIdentityInEvalAndReproducibleUnderManualSeed) {
  FastDropout dropout(0.25);
  const auto x = torch::randn({8, 100});
  dropout->eval();
  EXPECT_TRUE(torch::equal(dropout(x), x));
  dropout->train();
  torch::manual_seed(5);
  const auto first = dropout(x);
  torch::manual_seed(5);
  EXPECT_TRUE(torch::equal(dropout(x), first));
  EXPECT_FALSE(torch::equal(dropout(x), first));  // the next call draws a new seed
  EXPECT_TRUE(torch::equal(FastDropout(0.0)(x), x));
}

TEST(FlopCount, PaperModelByHand) {
  ModelOptions o;  // the paper's defaults: seq_len 200, d_model 128, 8 layers, u = 6
  const auto f = forward_flops(o);
  // token conv 2*200*9*3*128; per layer: projections 4*2*200*128^2, ProbSparse
  // 2*200*6*128 + 2*2*6*200*128, feed-forward 2*2*200*128*512.
  EXPECT_DOUBLE_EQ(f.photometry, 1382400.0 + 8 * (26214400.0 + 921600.0 + 52428800.0));
  // 2573*3*64, 641*64*64, 158*64*32, 37*32*32 multiply-adds, times 3 taps and 2.
  EXPECT_DOUBLE_EQ(
      f.spectra, 2.0 * 3 * (2573.0 * 3 * 64 + 641.0 * 64 * 64 + 158.0 * 64 * 32 + 37.0 * 32 * 32));
  EXPECT_DOUBLE_EQ(f.metadata, 2.0 * (34 * 512 + 512 * 512));
  EXPECT_DOUBLE_EQ(f.projections, 2.0 * 512 * (200 * 128 + 37 * 32 + 512));
  EXPECT_DOUBLE_EQ(training_flops(f), 3 * f.total());
}

TEST(FastDropout, Bf16SharesTheFloat32MaskAndRoundsTheScaledValue) {
  // Mixed precision: a bf16 activation draws the mask its float32 counterpart draws, and each
  // kept value is the float32 product rounded once to bf16.
  const auto x = torch::randn({40, 129}).to(torch::kBFloat16);
  const double p = 0.3;
  const auto y = counter_dropout(x, p, 11);
  ASSERT_EQ(y.scalar_type(), torch::kBFloat16);
  const auto mask = counter_dropout_mask(x.numel(), p, 11).view_as(x);
  const auto expected =
      (x.to(torch::kFloat32) * mask * static_cast<float>(1.0 / (1.0 - p))).to(torch::kBFloat16);
  EXPECT_TRUE(torch::equal(y, expected));
  EXPECT_TRUE(torch::equal(y.eq(0), counter_dropout(x.to(torch::kFloat32), p, 11).eq(0)));
}

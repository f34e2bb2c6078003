// conv1d_gemm against the convolution written out as sums in double precision: the output
//   y[b, o, t] = bias[o] + sum_{c, k} w[o, c, k] * xp[b, c, t + k]   (xp: x padded)
// and, for an upstream gradient g, the gradients autograd must return:
//   dW[o, c, k] = sum_{b, t} g[b, o, t] * xp[b, c, t + k],   dbias[o] = sum_{b, t} g[b, o, t],
//   dx[b, c, s] = sum over the (t, k) with t + k = p(s) of g[b, o, t] * w[o, c, k],
// where p maps an input point to every padded position that holds it (two for circular
// padding near the ends). The case [6, 4, 39] -> 4 channels is one where Debian 13's LibTorch
// 2.6 returns input gradients off by ~100 % through torch::conv1d (conv1d.h).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <vector>

#include "astrom3/model/conv1d.h"
#include "support/tensor_checks.h"

namespace astrom3::model {
namespace {

struct Case {
  std::int64_t batch, in_channels, out_channels, length, kernel, padding;
  ConvPadding mode;
  bool bias;
};

// Index of padded position q in the unpadded input, or -1 for a zero pad.
std::int64_t source_of(std::int64_t q, const Case& c) {
  const std::int64_t s = q - c.padding;
  if (s >= 0 && s < c.length) return s;
  if (c.mode == ConvPadding::kZeros) return -1;
  return (s + c.length) % c.length;
}

void check(const Case& c) {
  torch::manual_seed(c.in_channels * 100 + c.kernel * 10 + c.padding);
  const auto x = torch::randn({c.batch, c.in_channels, c.length}).requires_grad_();
  const auto w = torch::randn({c.out_channels, c.in_channels, c.kernel}).requires_grad_();
  const auto b = c.bias ? torch::randn({c.out_channels}).requires_grad_() : torch::Tensor();
  const auto y = conv1d_gemm(x, w, b, c.padding, c.mode);
  const std::int64_t out_length = c.length + 2 * c.padding - c.kernel + 1;
  ASSERT_EQ(y.sizes(), (std::vector<std::int64_t>{c.batch, c.out_channels, out_length}));
  EXPECT_TRUE(y.is_contiguous());
  const auto g = torch::randn(y.sizes());
  (y * g).sum().backward();

  const auto X = x.detach().to(torch::kFloat64).contiguous();
  const auto W = w.detach().to(torch::kFloat64).contiguous();
  const auto G = g.to(torch::kFloat64).contiguous();
  const auto xa = X.accessor<double, 3>();
  const auto wa = W.accessor<double, 3>();
  const auto ga = G.accessor<double, 3>();
  auto y_ref = torch::zeros({c.batch, c.out_channels, out_length}, torch::kFloat64);
  auto dx_ref = torch::zeros_like(X);
  auto dw_ref = torch::zeros_like(W);
  auto db_ref = torch::zeros({c.out_channels}, torch::kFloat64);
  auto ya = y_ref.accessor<double, 3>();
  auto dxa = dx_ref.accessor<double, 3>();
  auto dwa = dw_ref.accessor<double, 3>();
  auto dba = db_ref.accessor<double, 1>();
  for (std::int64_t n = 0; n < c.batch; ++n) {
    for (std::int64_t o = 0; o < c.out_channels; ++o) {
      for (std::int64_t t = 0; t < out_length; ++t) {
        double sum = c.bias ? b[o].item<double>() : 0.0;
        dba[o] += ga[n][o][t];
        for (std::int64_t ch = 0; ch < c.in_channels; ++ch) {
          for (std::int64_t k = 0; k < c.kernel; ++k) {
            const auto s = source_of(t + k, c);
            if (s < 0) continue;
            sum += wa[o][ch][k] * xa[n][ch][s];
            dwa[o][ch][k] += ga[n][o][t] * xa[n][ch][s];
            dxa[n][ch][s] += ga[n][o][t] * wa[o][ch][k];
          }
        }
        ya[n][o][t] = sum;
      }
    }
  }
  constexpr double kTolerance = 1e-5;  // float32 sums of at most a few hundred terms
  test::expect_tensor_near(y, y_ref, kTolerance, "output");
  test::expect_tensor_near(x.grad(), dx_ref, kTolerance, "input gradient");
  test::expect_tensor_near(w.grad(), dw_ref, kTolerance, "weight gradient");
  if (c.bias) test::expect_tensor_near(b.grad(), db_ref, kTolerance, "bias gradient");
}

TEST(Conv1dGemm, MatchesTheConvolutionSumsAndTheirGradients) {
  check({6, 4, 4, 39, 3, 0, ConvPadding::kZeros, true});  // wrong through torch::conv1d on 2.6
  check({6, 3, 8, 257, 3, 0, ConvPadding::kZeros, true});
  check({2, 1, 5, 20, 5, 0, ConvPadding::kZeros, true});
  check({3, 9, 16, 50, 3, 1, ConvPadding::kZeros, false});     // the photometry token conv
  check({3, 9, 16, 50, 3, 1, ConvPadding::kCircular, false});  // ... with circular padding
  check({2, 7, 6, 11, 1, 0, ConvPadding::kZeros, true});       // kernel 1: a plain product
}

TEST(Conv1dGemm, RejectsMismatchedShapes) {
  EXPECT_THROW(conv1d_gemm(torch::zeros({2, 3, 10}), torch::zeros({4, 2, 3}), {}), c10::Error);
  EXPECT_THROW(conv1d_gemm(torch::zeros({2, 3, 2}), torch::zeros({4, 3, 3}), {}), c10::Error);
  EXPECT_THROW(
      conv1d_gemm(torch::zeros({2, 3, 2}), torch::zeros({4, 3, 3}), {}, 3, ConvPadding::kCircular),
      c10::Error);
}

}  // namespace
}  // namespace astrom3::model

#include "support/tensor_checks.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <limits>

namespace astrom3::test {

double max_abs_diff(const torch::Tensor& got, const torch::Tensor& want) {
  if (got.sizes() != want.sizes()) {
    ADD_FAILURE() << "shape " << got.sizes() << " where " << want.sizes() << " was expected";
    return std::numeric_limits<double>::infinity();
  }
  if (got.numel() == 0) return 0.0;
  return (got.to(torch::kFloat64) - want.to(torch::kFloat64)).abs().max().item<double>();
}

double max_scaled_diff(const torch::Tensor& got, const torch::Tensor& want) {
  const double scale =
      want.numel() == 0 ? 1.0 : std::max(1.0, want.to(torch::kFloat64).abs().max().item<double>());
  return max_abs_diff(got, want) / scale;
}

void expect_tensor_near(const torch::Tensor& got, const torch::Tensor& want, double tolerance,
                        const std::string& what) {
  const double diff = max_scaled_diff(got, want);
  EXPECT_LE(diff, tolerance) << (what.empty() ? "tensor" : what) << ": scaled difference " << diff;
}

}  // namespace astrom3::test

// Tensor comparisons shared by the tests: one definition of "close" instead of one per file.
#pragma once

#include <string>

#include <torch/types.h>

namespace astrom3::test {

/// max |got - want| over all elements, in float64. A shape mismatch is a test failure and
/// returns infinity, so that a following EXPECT_LE fails too.
double max_abs_diff(const torch::Tensor& got, const torch::Tensor& want);

/// max |got - want| / max(1, max |want|): absolute for values below 1, relative to the tensor's
/// largest magnitude above (gradients, sums of many terms).
double max_scaled_diff(const torch::Tensor& got, const torch::Tensor& want);

/// EXPECTs max_scaled_diff(got, want) <= tolerance; the failure names `what` and the difference.
void expect_tensor_near(const torch::Tensor& got, const torch::Tensor& want, double tolerance,
                        const std::string& what = "");

}  // namespace astrom3::test

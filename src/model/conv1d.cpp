#include "astrom3/model/conv1d.h"

#include <torch/torch.h>

namespace astrom3::model {

torch::Tensor conv1d_gemm(const torch::Tensor& x, const torch::Tensor& weight,
                          const torch::Tensor& bias, std::int64_t padding, ConvPadding mode) {
  TORCH_CHECK(x.dim() == 3 && weight.dim() == 3 && x.size(1) == weight.size(1),
              "conv1d_gemm: input [B, C_in, L] and weight [C_out, C_in, K] expected, got ",
              x.sizes(), " and ", weight.sizes());
  auto input = x;
  if (padding > 0) {
    const auto length = x.size(2);
    TORCH_CHECK(mode == ConvPadding::kZeros || padding <= length,
                "conv1d_gemm: circular padding of ", padding, " exceeds the length ", length);
    input =
        mode == ConvPadding::kZeros
            ? torch::constant_pad_nd(x, {padding, padding}, 0)
            : torch::cat({x.narrow(2, length - padding, padding), x, x.narrow(2, 0, padding)}, 2);
  }
  const auto batch = input.size(0);
  const auto in_channels = input.size(1);
  const auto kernel = weight.size(2);
  const auto out_length = input.size(2) - kernel + 1;
  TORCH_CHECK(out_length >= 1, "conv1d_gemm: kernel ", kernel, " longer than the padded input ",
              input.size(2));
  const auto w = weight.reshape({weight.size(0), in_channels * kernel});  // [C_out, C_in*K]
  torch::Tensor columns;                                                  // [B, C_in*K, L_out]
  if (kernel == 1) {
    columns = input;
  } else {
    // unfold: [B, C_in, L_out, K]; row c*K + k of a column holds input[c, t + k].
    columns = input.unfold(2, kernel, 1)
                  .permute({0, 1, 3, 2})
                  .reshape({batch, in_channels * kernel, out_length});
  }
  auto y = torch::matmul(w, columns);  // [B, C_out, L_out]
  // The bias in the product's dtype: under bf16 autocast the activations stay bf16 instead of
  // being promoted to float32 by a float32 bias (no-op in float32).
  if (bias.defined()) y = y + bias.to(y.scalar_type()).view({1, -1, 1});
  return y;
}

}  // namespace astrom3::model

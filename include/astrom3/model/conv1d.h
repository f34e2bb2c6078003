// One-dimensional convolution as an explicit im2col + matrix product.
//
// Why not torch::conv1d: on CPU LibTorch routes it to oneDNN, and Debian 13's LibTorch 2.6 with
// oneDNN 3.7 returns wrong input gradients for small channel counts (relative errors of order 1
// for [6, 4, 39] inputs with 4 output channels, measured with AVX-512 kernels; NaN forward
// outputs with ONEDNN_MAX_CPU_ISA=AVX2). The spectra CNN back-propagates through every layer but
// the first, so pre-training silently learned from wrong gradients there. A matrix product goes
// through the BLAS that every Linear layer already uses, gives the same numbers with LibTorch
// 1.13 and 2.x, and autograd derives the backward pass from unfold and matmul.
#pragma once

#include <cstdint>

#include <torch/types.h>

namespace astrom3::model {

enum class ConvPadding { kZeros, kCircular };

/// x: [B, C_in, L]; weight: [C_out, C_in, K] (torch::nn::Conv1d's layout); bias: [C_out] or an
/// undefined tensor. Stride 1, no dilation, `padding` points on each side (zeros or wrapped
/// around). Returns [B, C_out, L + 2 * padding - K + 1], contiguous.
torch::Tensor conv1d_gemm(const torch::Tensor& x, const torch::Tensor& weight,
                          const torch::Tensor& bias, std::int64_t padding = 0,
                          ConvPadding mode = ConvPadding::kZeros);

}  // namespace astrom3::model

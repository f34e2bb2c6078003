// Inverted dropout whose masks come from a counter-based generator instead of LibTorch's
// per-element Bernoulli sampling, which on CPU draws one number at a time under a lock and took
// a fifth of a paper-config training step (docs/performance.md).
//
// Semantics equal torch::nn::Dropout: in training, each element is kept with probability 1 - p
// and scaled by 1 / (1 - p); in evaluation (or p = 0) the input is returned unchanged. The mask
// of element i is a pure function of (seed, i), with the seed drawn from LibTorch's default
// CPU generator, so runs are reproducible under torch::manual_seed; the backward pass
// regenerates the mask instead of storing it. CPU tensors of float32 and bfloat16 (mixed
// precision) take the counter path, and share the mask for one shape and seed; CUDA tensors and
// other dtypes use torch::dropout (fused on GPUs).
#pragma once

#include <cstdint>

#include <torch/nn/cloneable.h>
#include <torch/types.h>

namespace astrom3::model {

/// x * mask(seed) / (1 - p), differentiable in x; x float32 or bfloat16 on the CPU. p in [0, 1).
/// Element i of x draws counter first + i, so a slice of a larger tensor can draw exactly the slice
/// of its mask.
torch::Tensor counter_dropout(const torch::Tensor& x, double p, std::uint64_t seed,
                              std::int64_t first = 0);

/// While alive, fast_dropout on this thread treats dim 0 of its inputs as rows of a larger
/// batch starting at row `rows`: a data-parallel rank holding rows [rows, rows + B) of the
/// global batch then draws the masks a single process draws for those rows, which makes
/// training on N ranks reproduce single-process training exactly on CPU. Every input of a
/// FastDropout must have the batch as dim 0 (true of all astrom3 encoders).
class DropoutRowOffset {
 public:
  explicit DropoutRowOffset(std::int64_t rows);
  ~DropoutRowOffset();
  DropoutRowOffset(const DropoutRowOffset&) = delete;
  DropoutRowOffset& operator=(const DropoutRowOffset&) = delete;

 private:
  std::int64_t previous_;
};

/// Dropout of `x` with a seed drawn from the default generator; identity unless `train`.
torch::Tensor fast_dropout(const torch::Tensor& x, double p, bool train);

/// The keep mask counter_dropout applies to a tensor of `numel` elements (1 = kept), as
/// float32; for tests of its statistics and of the backward pass.
torch::Tensor counter_dropout_mask(std::int64_t numel, double p, std::uint64_t seed);

class FastDropoutImpl : public torch::nn::Cloneable<FastDropoutImpl> {
 public:
  explicit FastDropoutImpl(double p = 0.5);
  void reset() override {}
  torch::Tensor forward(const torch::Tensor& x);
  double p() const { return p_; }

 private:
  double p_;
};
TORCH_MODULE(FastDropout);

}  // namespace astrom3::model

// One optimiser step, split where the trainer checks the loss: the forward half seeds the
// step's random draws and computes the objective, the backward half applies it. The trainer and
// the benchmarks (bench/bench_model.cpp) run the same two calls.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/optim/optimizer.h>

#include "astrom3/data/batch.h"
#include "astrom3/dist/gradient_reducer.h"
#include "astrom3/train/objective.h"

namespace astrom3::train {

/// Reseeds LibTorch's generators from (seed, global_step) so that dropout masks and ProbSparse
/// samples depend on the step only, releases the gradients (set to undefined, as PyTorch 2's
/// zero_grad(set_to_none=True); the optimiser skips a parameter that then gets none) and computes
/// the objective (at the precision set on it). `batch` is on the training device.
StepOutput forward_step(Objective& objective, torch::optim::Optimizer& optimizer,
                        const data::Batch& batch, std::uint64_t seed, std::uint64_t global_step);

/// Back-propagates out.loss, sums the gradients over the ranks (`reducer`, null in a single
/// process), clips the global gradient norm to `clip_grad_norm` (0 = off) and steps the
/// optimiser. Returns the gradient norm before clipping.
double backward_step(const StepOutput& out, torch::optim::Optimizer& optimizer,
                     const std::vector<torch::Tensor>& parameters, double clip_grad_norm,
                     dist::GradientReducer* reducer = nullptr);

}  // namespace astrom3::train

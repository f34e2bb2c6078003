#include "astrom3/train/train_step.h"

#include <torch/torch.h>

#include "astrom3/common/rng.h"
#include "astrom3/train/optimizer.h"

namespace astrom3::train {
namespace {

constexpr std::uint64_t kStepSeedStream = 0x53544550ULL;  // "STEP"

}  // namespace

StepOutput forward_step(Objective& objective, torch::optim::Optimizer& optimizer,
                        const data::Batch& batch, std::uint64_t seed, std::uint64_t global_step) {
  torch::manual_seed(derive_seed(seed, {kStepSeedStream, global_step}));
  objective.set_step(global_step);
  // Gradients are released rather than zeroed (PyTorch 2's default): backward then writes
  // fresh buffers instead of a fill and an accumulation pass over every parameter.
  for (auto& group : optimizer.param_groups()) {
    for (auto& p : group.params()) p.mutable_grad() = torch::Tensor();
  }
  return objective.compute(batch);
}

double backward_step(const StepOutput& out, torch::optim::Optimizer& optimizer,
                     const std::vector<torch::Tensor>& parameters, double clip_grad_norm,
                     dist::GradientReducer* reducer) {
  out.loss.backward();
  if (reducer != nullptr) reducer->finish();
  const double grad_norm = clip_gradients(parameters, clip_grad_norm);
  optimizer.step();
  return grad_norm;
}

}  // namespace astrom3::train

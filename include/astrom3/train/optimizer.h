// Optimiser construction and the few operations the trainer needs on it.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include "astrom3/train/train_options.h"

namespace astrom3::train {

/// adam: one group, coupled L2 weight decay on every parameter (upstream's torch.optim.Adam).
/// adamw: group 0 decays (tensors with >= 2 dims), group 1 does not (biases, norms, scales).
std::unique_ptr<torch::optim::Optimizer> make_optimizer(torch::nn::Module& module,
                                                        const TrainOptions& options);

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);

/// Throws DataError naming `file` (the archive it was loaded from) unless every Adam/AdamW state
/// of `optimizer` holds moments of its parameter's shape. A LibTorch 2.x build misreads the
/// parameter keys of an archive that LibTorch 1.x wrote (hexadecimal addresses), maps parameters
/// onto other parameters' moments, and stepping with them would write out of bounds.
void check_optimizer_state(torch::optim::Optimizer& optimizer, const std::filesystem::path& file);

/// Global L2 norm of the gradients; rescales them to max_norm when it is exceeded and
/// max_norm > 0 (as torch.nn.utils.clip_grad_norm_). Returns the norm before clipping.
double clip_gradients(const std::vector<torch::Tensor>& parameters, double max_norm);

}  // namespace astrom3::train

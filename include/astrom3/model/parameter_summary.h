// Per-module parameter counts, as `astrom3 pretrain --dry-run` prints them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/nn/module.h>

namespace astrom3::model {

struct ModuleParameters {
  std::string name;                 // direct child module or parameter of the root
  std::int64_t trainable = 0;       // elements of parameters that require gradients
  std::int64_t buffers = 0;         // elements of buffers (e.g. the position table)
  std::vector<std::int64_t> shape;  // for a root parameter; empty for a module
};

/// One row per direct child module and per parameter held by `root` itself, in registration
/// order.
std::vector<ModuleParameters> parameter_summary(const torch::nn::Module& root);

/// A text table of the rows plus totals.
std::string format_parameter_summary(const std::vector<ModuleParameters>& rows);

std::int64_t trainable_parameters(const torch::nn::Module& module);

}  // namespace astrom3::model

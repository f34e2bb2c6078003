// A module's parameters and buffers as named tensors (PyTorch's state_dict), and strict
// loading: the names, shapes and dtypes must match exactly, because the names are a file
// format shared with the official PyTorch implementation.
#pragma once

#include <string>

#include <torch/nn/module.h>

#include "astrom3/io/safetensors.h"

namespace astrom3::io {

/// Parameters and persistent buffers, recursively, with dotted names; CPU copies.
TensorMap state_dict(const torch::nn::Module& module);

/// Copies every tensor of `tensors` into the module. Throws DataError, naming `source` and every
/// offending key, when a key is missing, unexpected, has the wrong shape or holds non-finite values
/// (check_finite); the module is then left untouched. Values are converted
/// to the parameter's dtype and device.
void load_state_dict(torch::nn::Module& module, const TensorMap& tensors,
                     const std::string& source);

/// Throws DataError, naming `source` and every offending key, when a floating-point tensor holds
/// NaN or infinite values. Every path that copies weights into a module calls it first.
void check_finite(const TensorMap& tensors, const std::string& source);

}  // namespace astrom3::io

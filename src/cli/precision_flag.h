// --precision of the inference commands (embed, evaluate, predict, misclassified --checkpoint):
// the compute precision of the model's forward pass, independent of the precision the
// checkpoint was trained at (its weights are float32 either way).
#pragma once

#include <CLI/CLI.hpp>

#include "astrom3/common/precision.h"

namespace astrom3::cli {

struct PrecisionFlag {
  Precision value = Precision::kFp32;
  bool given = false;  // --merge refuses the flag: it computes nothing
};

/// Adds --precision fp32|bf16 writing `flag`; CLI11 refuses any other value.
CLI::Option* add_precision_flag(CLI::App& cmd, PrecisionFlag& flag);

}  // namespace astrom3::cli

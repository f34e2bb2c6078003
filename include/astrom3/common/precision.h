// Compute precision of the model's forward pass. fp32 is exact float32 throughout. bf16 is
// mixed precision: matrix products and convolutions run in bfloat16 under LibTorch's autocast
// (CPU or CUDA), while master weights, optimiser state, gradients, checkpoints, the residual
// stream and its layer norms, attention softmax, embeddings after the projection, classifier
// logits, logit scales and every loss stay float32 (docs/performance.md, "bf16").
#pragma once

#include <c10/core/Device.h>

#include <optional>
#include <string>

#include "astrom3/common/enum_names.h"

namespace astrom3 {

enum class Precision { kFp32, kBf16 };

inline const EnumNames<Precision>& precision_names() {
  static const EnumNames<Precision> names{{"fp32", Precision::kFp32}, {"bf16", Precision::kBf16}};
  return names;
}

/// Whether a /proc/cpuinfo text lists an instruction set with native bf16 arithmetic: x86
/// AVX512_BF16 or AMX-BF16, or the Arm BF16 extension (its "Features" line).
bool cpuinfo_has_native_bf16(const std::string& cpuinfo);

/// The same for this machine's first CPU; nothing where /proc/cpuinfo cannot be read.
std::optional<bool> cpu_has_native_bf16();

/// Logs a warning when bf16 is asked for on a CPU that lacks native bf16 arithmetic, where
/// LibTorch emulates it and the run is slower than fp32 (silent where the CPU cannot be told;
/// GPUs are not checked: bf16 needs Ampere or newer). `what` names the run in the message.
void warn_if_bf16_is_emulated(Precision precision, const c10::Device& device,
                              const std::string& what);

}  // namespace astrom3

#include "astrom3/common/torch_compat.h"

#include <ATen/Context.h>
#include <ATen/autocast_mode.h>

namespace astrom3 {

std::string libtorch_version() {
  // TORCH_VERSION is a string literal on every release; the numeric macros are rebuilt here
  // so that the result does not depend on how a distribution patched that string.
  return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
         std::to_string(TORCH_VERSION_PATCH);
}

CudaAutocastScope::CudaAutocastScope(bool enabled) : enabled_(enabled) {
  if (!enabled_) return;
#if ASTROM3_TORCH_AT_LEAST(2, 4)
  previous_ = at::autocast::is_autocast_enabled(at::kCUDA);
  at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
  at::autocast::set_autocast_enabled(at::kCUDA, true);
#else
  previous_ = at::autocast::is_enabled();
  at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
  at::autocast::set_enabled(true);
#endif
  at::autocast::increment_nesting();
}

CudaAutocastScope::~CudaAutocastScope() {
  if (!enabled_) return;
  // Cached casts of the weights must not outlive the outermost autocast region.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
#if ASTROM3_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_enabled(at::kCUDA, previous_);
#else
  at::autocast::set_enabled(previous_);
#endif
}

void allow_tf32(bool allow) {
  at::globalContext().setAllowTF32CuBLAS(allow);
  at::globalContext().setAllowTF32CuDNN(allow);
}

}  // namespace astrom3

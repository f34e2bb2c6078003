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

namespace {

// The autocast switch and lower-precision dtype of one device type.
struct AutocastState {
  bool enabled;
  c10::ScalarType dtype;
};

AutocastState autocast_state(c10::DeviceType device) {
#if ASTROM3_TORCH_AT_LEAST(2, 4)
  return {at::autocast::is_autocast_enabled(device), at::autocast::get_autocast_dtype(device)};
#else
  if (device == c10::DeviceType::CPU) {
    return {at::autocast::is_cpu_enabled(), at::autocast::get_autocast_cpu_dtype()};
  }
  return {at::autocast::is_enabled(), at::autocast::get_autocast_gpu_dtype()};
#endif
}

void set_autocast(c10::DeviceType device, AutocastState state) {
#if ASTROM3_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_dtype(device, state.dtype);
  at::autocast::set_autocast_enabled(device, state.enabled);
#else
  if (device == c10::DeviceType::CPU) {
    at::autocast::set_autocast_cpu_dtype(state.dtype);
    at::autocast::set_cpu_enabled(state.enabled);
  } else {
    at::autocast::set_autocast_gpu_dtype(state.dtype);
    at::autocast::set_enabled(state.enabled);
  }
#endif
}

}  // namespace

AutocastScope::AutocastScope(c10::DeviceType device, bool enabled)
    : device_(device), enabled_(enabled) {
  if (!enabled_) return;
  const auto previous = autocast_state(device_);
  previous_ = previous.enabled;
  previous_dtype_ = previous.dtype;
  set_autocast(device_, {true, at::kBFloat16});
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!enabled_) return;
  // Cached casts of the weights must not outlive the outermost autocast region.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_autocast(device_, {previous_, previous_dtype_});
}

void allow_tf32(bool allow) {
  at::globalContext().setAllowTF32CuBLAS(allow);
  at::globalContext().setAllowTF32CuDNN(allow);
}

}  // namespace astrom3

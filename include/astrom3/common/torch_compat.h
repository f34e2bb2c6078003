// LibTorch version compatibility. astrom3 builds against Debian 12's LibTorch 1.13 and the
// official LibTorch 2.x releases; every call whose API differs between them goes through a
// named helper here, with the versions each branch serves. Both branches are compiled and
// tested: natively (1.13) and by scripts/check_libtorch2.sh (2.6).
#pragma once

#include <c10/core/DeviceType.h>
#include <c10/core/ScalarType.h>
#include <torch/version.h>

#include <string>

namespace astrom3 {

/// True when compiled against LibTorch >= major.minor.
#define ASTROM3_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) ||          \
   (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

/// The LibTorch version astrom3 was compiled against, "MAJOR.MINOR.PATCH".
std::string libtorch_version();

/// bf16 autocast for operations on `device` (CPU or CUDA) while the object lives; a no-op when
/// disabled. The previous state of that device's autocast is restored on exit, and the cached
/// bf16 copies of the weights are dropped when the outermost region closes. The API is per
/// device type from LibTorch 2.4; before, CPU and CUDA have functions of their own.
class AutocastScope {
 public:
  AutocastScope(c10::DeviceType device, bool enabled);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  c10::DeviceType device_;
  bool enabled_;
  bool previous_ = false;
  c10::ScalarType previous_dtype_ = c10::ScalarType::BFloat16;
};

/// Allows or forbids TF32 matrix products and convolutions on CUDA (Ampere and newer).
void allow_tf32(bool allow);

}  // namespace astrom3

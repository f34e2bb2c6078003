// LibTorch version compatibility. astrom3 builds against Debian 12's LibTorch 1.13 and the
// official LibTorch 2.x releases; every call whose API differs between them goes through a
// named helper here, with the versions each branch serves. Both branches are compiled and
// tested: natively (1.13) and by scripts/check_libtorch2.sh (2.6).
#pragma once

#include <torch/version.h>

#include <string>

namespace astrom3 {

/// True when compiled against LibTorch >= major.minor.
#define ASTROM3_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) ||          \
   (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

/// The LibTorch version astrom3 was compiled against, "MAJOR.MINOR.PATCH".
std::string libtorch_version();

/// bf16 autocast for CUDA operations while the object lives (a no-op when disabled). The API
/// is per device type from LibTorch 2.4, CUDA-only before.
class CudaAutocastScope {
 public:
  explicit CudaAutocastScope(bool enabled);
  ~CudaAutocastScope();
  CudaAutocastScope(const CudaAutocastScope&) = delete;
  CudaAutocastScope& operator=(const CudaAutocastScope&) = delete;

 private:
  bool enabled_;
  bool previous_ = false;
};

/// Allows or forbids TF32 matrix products and convolutions on CUDA (Ampere and newer).
void allow_tf32(bool allow);

}  // namespace astrom3

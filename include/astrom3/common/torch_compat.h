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

}  // namespace astrom3

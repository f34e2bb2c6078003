#include "astrom3/common/torch_compat.h"

namespace astrom3 {

std::string libtorch_version() {
  // TORCH_VERSION is a string literal on every release; the numeric macros are rebuilt here
  // so that the result does not depend on how a distribution patched that string.
  return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
         std::to_string(TORCH_VERSION_PATCH);
}

}  // namespace astrom3

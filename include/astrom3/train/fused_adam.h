// torch::optim::Adam with its update fused into one pass over memory for float32 CPU
// parameters. LibTorch's Adam runs about eight tensor operations per parameter (weight decay,
// two moment updates, square root, bias correction, division, update), each a pass over the
// 13-million-value flatten projection of the paper model plus temporaries; the fused loop reads
// parameter, gradient and both moments once and writes three of them once.
//
// Mathematics, options and state (AdamParamState: step, exp_avg, exp_avg_sq) are LibTorch's,
// so checkpoints of either load in the other. Per element, in float32:
//   g = grad + weight_decay * p          (coupled L2, as torch.optim.Adam)
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g^2
//   p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// Results equal LibTorch's to float rounding (fused multiply-adds may differ in the last bit).
// Parameters on other devices or of other dtypes, and amsgrad, use LibTorch's step.
#pragma once

#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include <torch/optim/adam.h>

namespace astrom3::train {

/// The key of a parameter in an optimiser's state map, whose type the map gives: LibTorch 1.13
/// keys by the TensorImpl's address formatted as a string (c10::guts::to_string), 2.x by the
/// address itself.
template <class Key>
Key optimizer_state_key(void* impl) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream text;
    text << impl;
    return text.str();
  } else {
    return impl;
  }
}

class FusedAdam : public torch::optim::Adam {
 public:
  FusedAdam(std::vector<torch::Tensor> params, torch::optim::AdamOptions defaults)
      : torch::optim::Adam(std::move(params), std::move(defaults)) {}
  torch::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace astrom3::train

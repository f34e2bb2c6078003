#include "astrom3/train/optimizer.h"

#include <torch/torch.h>

#include <sstream>

#include "astrom3/common/error.h"
#include "astrom3/train/fused_adam.h"

namespace astrom3::train {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(torch::nn::Module& module,
                                                        const TrainOptions& o) {
  const auto betas = std::make_tuple(o.beta1, o.beta2);
  if (o.optimizer == OptimizerKind::kAdam) {
    return std::make_unique<FusedAdam>(
        module.parameters(),
        torch::optim::AdamOptions(o.lr).betas(betas).eps(o.eps).weight_decay(o.weight_decay));
  }
  std::vector<torch::Tensor> decay, no_decay;
  for (const auto& p : module.parameters()) (p.dim() >= 2 ? decay : no_decay).push_back(p);
  auto options = [&](double wd) {
    return std::make_unique<torch::optim::AdamWOptions>(
        torch::optim::AdamWOptions(o.lr).betas(betas).eps(o.eps).weight_decay(wd));
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, options(o.weight_decay));
  groups.emplace_back(no_decay, options(0.0));
  return std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(o.lr));
}

void check_optimizer_state(torch::optim::Optimizer& optimizer, const std::filesystem::path& file) {
  auto& state = optimizer.state();
  using Key = typename std::decay_t<decltype(state)>::key_type;
  std::size_t index = 0;
  for (auto& group : optimizer.param_groups()) {
    for (auto& p : group.params()) {
      const auto it = state.find(optimizer_state_key<Key>(p.unsafeGetTensorImpl()));
      ++index;
      if (it == state.end()) continue;
      torch::Tensor m, v;
      if (const auto* adam = dynamic_cast<const torch::optim::AdamParamState*>(it->second.get())) {
        m = adam->exp_avg();
        v = adam->exp_avg_sq();
      } else if (const auto* adamw =
                     dynamic_cast<const torch::optim::AdamWParamState*>(it->second.get())) {
        m = adamw->exp_avg();
        v = adamw->exp_avg_sq();
      } else {
        continue;
      }
      if (m.defined() && v.defined() && m.sizes() == p.sizes() && v.sizes() == p.sizes()) {
        continue;
      }
      std::ostringstream shapes;
      shapes << "parameter " << index << " has shape " << p.sizes() << " but moments of shape "
             << (m.defined() ? m.sizes() : c10::IntArrayRef{});
      throw DataError(file.string() + ": the optimiser state does not fit the model (" +
                      shapes.str() +
                      "). LibTorch 2.x misreads optimiser states that LibTorch 1.x wrote; resume "
                      "with the LibTorch named in manifest.json (libtorch_version), or start a new "
                      "run from these weights");
    }
  }
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

double clip_gradients(const std::vector<torch::Tensor>& parameters, double max_norm) {
  std::vector<torch::Tensor> norms;
  for (const auto& p : parameters) {
    if (p.grad().defined()) norms.push_back(p.grad().detach().norm(2).to(torch::kFloat64));
  }
  if (norms.empty()) return 0.0;
  const double total = torch::stack(norms).norm(2).item<double>();
  if (max_norm > 0 && std::isfinite(total)) {
    const double coef = max_norm / (total + 1e-6);
    if (coef < 1.0) {
      torch::NoGradGuard no_grad;
      for (const auto& p : parameters) {
        if (p.grad().defined()) p.grad().mul_(coef);
      }
    }
  }
  return total;
}

}  // namespace astrom3::train

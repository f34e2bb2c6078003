#include "astrom3/train/fused_adam.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <cmath>
#include <sstream>
#include <string>
#include <type_traits>

namespace astrom3::train {
namespace {

bool fusable(const torch::Tensor& p) {
  return p.device().is_cpu() && p.scalar_type() == torch::kFloat32 && p.is_contiguous() &&
         p.grad().is_contiguous();
}

struct Coefficients {
  float beta1, beta2, one_minus_beta1, one_minus_beta2, weight_decay, eps;
  float step_size;       // lr / (1 - beta1^t)
  float inv_sqrt_bias2;  // 1 / sqrt(1 - beta2^t)
};

void update(float* p, const float* g, float* m, float* v, std::int64_t n, const Coefficients& c) {
  at::parallel_for(0, n, 32768, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      const float grad = g[i] + c.weight_decay * p[i];
      const float mi = c.beta1 * m[i] + c.one_minus_beta1 * grad;
      const float vi = c.beta2 * v[i] + c.one_minus_beta2 * grad * grad;
      m[i] = mi;
      v[i] = vi;
      p[i] -= c.step_size * mi / (std::sqrt(vi) * c.inv_sqrt_bias2 + c.eps);
    }
  });
}

}  // namespace

torch::Tensor FusedAdam::step(LossClosure closure) {
  for (const auto& group : param_groups_) {
    const auto& o = static_cast<const torch::optim::AdamOptions&>(group.options());
    for (const auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      if (o.amsgrad() || !fusable(p)) return torch::optim::Adam::step(closure);
    }
  }
  torch::Tensor loss;
  if (closure) {
    torch::AutoGradMode enable_grad(true);
    loss = closure();
  }
  torch::NoGradGuard no_grad;
  using Key = typename std::decay_t<decltype(state_)>::key_type;
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const torch::optim::AdamOptions&>(group.options());
    const auto [beta1, beta2] = o.betas();
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const Key key = optimizer_state_key<Key>(p.unsafeGetTensorImpl());
      auto it = state_.find(key);
      if (it == state_.end()) {
        auto fresh = std::make_unique<torch::optim::AdamParamState>();
        fresh->step(0);
        fresh->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Contiguous));
        fresh->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Contiguous));
        it = state_.emplace(key, std::move(fresh)).first;
      }
      auto& state = static_cast<torch::optim::AdamParamState&>(*it->second);
      state.step(state.step() + 1);
      const double t = static_cast<double>(state.step());
      Coefficients c{};
      c.beta1 = static_cast<float>(beta1);
      c.beta2 = static_cast<float>(beta2);
      c.one_minus_beta1 = static_cast<float>(1.0 - beta1);
      c.one_minus_beta2 = static_cast<float>(1.0 - beta2);
      c.weight_decay = static_cast<float>(o.weight_decay());
      c.eps = static_cast<float>(o.eps());
      c.step_size = static_cast<float>(o.lr() / (1.0 - std::pow(beta1, t)));
      c.inv_sqrt_bias2 = static_cast<float>(1.0 / std::sqrt(1.0 - std::pow(beta2, t)));
      auto m = state.exp_avg();
      auto v = state.exp_avg_sq();
      TORCH_CHECK(m.is_contiguous() && v.is_contiguous(), "Adam moments must be contiguous");
      update(p.data_ptr<float>(), p.grad().data_ptr<float>(), m.data_ptr<float>(),
             v.data_ptr<float>(), p.numel(), c);
    }
  }
  return loss;
}

}  // namespace astrom3::train

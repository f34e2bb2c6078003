#include "astrom3/io/state_dict.h"

#include <torch/torch.h>

#include <sstream>
#include <vector>

#include "astrom3/common/error.h"

namespace astrom3::io {
namespace {

std::string shape_string(const torch::Tensor& t) {
  std::ostringstream s;
  s << t.sizes();
  return s.str();
}

// Every named tensor of the module, parameters first, as live references.
TensorMap live_tensors(const torch::nn::Module& module) {
  TensorMap out;
  for (const auto& p : module.named_parameters(/*recurse=*/true)) out.emplace(p.key(), p.value());
  for (const auto& b : module.named_buffers(/*recurse=*/true)) out.emplace(b.key(), b.value());
  return out;
}

}  // namespace

TensorMap state_dict(const torch::nn::Module& module) {
  TensorMap out;
  for (const auto& [key, t] : live_tensors(module)) {
    out.emplace(key, t.detach().to(torch::kCPU).clone());
  }
  return out;
}

void load_state_dict(torch::nn::Module& module, const TensorMap& tensors,
                     const std::string& source) {
  const auto live = live_tensors(module);
  std::vector<std::string> problems;
  for (const auto& [key, target] : live) {
    const auto it = tensors.find(key);
    if (it == tensors.end()) {
      problems.push_back("missing key " + key + " " + shape_string(target));
    } else if (it->second.sizes() != target.sizes()) {
      problems.push_back("key " + key + " has shape " + shape_string(it->second) + ", expected " +
                         shape_string(target));
    }
  }
  for (const auto& [key, t] : tensors) {
    if (!live.count(key)) problems.push_back("unexpected key " + key + " " + shape_string(t));
  }
  if (!problems.empty()) {
    std::string message = source + ": the weights do not match the model:";
    for (const auto& p : problems) message += "\n  " + p;
    throw DataError(message);
  }
  check_finite(tensors, source);
  torch::NoGradGuard no_grad;
  for (const auto& [key, target] : live) {
    auto t = target;  // shares storage with the module's tensor
    t.copy_(tensors.at(key));
  }
}

void check_finite(const TensorMap& tensors, const std::string& source) {
  // NaN or infinite weights would load and then give NaN embeddings and metrics with exit 0.
  std::vector<std::string> non_finite;
  for (const auto& [key, t] : tensors) {
    if (!t.is_floating_point()) continue;
    const auto bad = t.numel() - torch::isfinite(t).sum().item<std::int64_t>();
    if (bad > 0) {
      non_finite.push_back(key + " (" + std::to_string(bad) + " of " + std::to_string(t.numel()) +
                           " values)");
    }
  }
  if (!non_finite.empty()) {
    std::string message = source +
                          ": non-finite weights (NaN or infinite), so the file is "
                          "damaged or comes from a diverged run:";
    for (const auto& p : non_finite) message += "\n  " + p;
    throw DataError(message);
  }
}

}  // namespace astrom3::io

#include "astrom3/model/parameter_summary.h"

#include <torch/torch.h>

#include <spdlog/fmt/fmt.h>

namespace astrom3::model {
namespace {

std::string with_commas(std::int64_t n) {
  std::string digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, ",");
  return digits;
}

}  // namespace

std::int64_t trainable_parameters(const torch::nn::Module& module) {
  std::int64_t n = 0;
  for (const auto& p : module.parameters()) {
    if (p.requires_grad()) n += p.numel();
  }
  return n;
}

std::vector<ModuleParameters> parameter_summary(const torch::nn::Module& root) {
  std::vector<ModuleParameters> rows;
  for (const auto& child : root.named_children()) {
    ModuleParameters row;
    row.name = child.key();
    row.trainable = trainable_parameters(*child.value());
    for (const auto& b : child.value()->buffers()) row.buffers += b.numel();
    rows.push_back(row);
  }
  for (const auto& p : root.named_parameters(/*recurse=*/false)) {
    ModuleParameters row;
    row.name = p.key();
    row.trainable = p.value().requires_grad() ? p.value().numel() : 0;
    row.shape = p.value().sizes().vec();
    rows.push_back(row);
  }
  return rows;
}

std::string format_parameter_summary(const std::vector<ModuleParameters>& rows) {
  std::string out = fmt::format("{:<24} {:>14} {:>12}\n", "module", "parameters", "buffers");
  std::int64_t trainable = 0, buffers = 0;
  for (const auto& r : rows) {
    out += fmt::format("{:<24} {:>14} {:>12}\n", r.name, with_commas(r.trainable),
                       with_commas(r.buffers));
    trainable += r.trainable;
    buffers += r.buffers;
  }
  out +=
      fmt::format("{:<24} {:>14} {:>12}\n", "total", with_commas(trainable), with_commas(buffers));
  return out;
}

}  // namespace astrom3::model

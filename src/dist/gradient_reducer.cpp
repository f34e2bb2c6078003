#include "astrom3/dist/gradient_reducer.h"

#include <torch/torch.h>

namespace astrom3::dist {

GradientReducer::GradientReducer(std::shared_ptr<Comm> comm, std::vector<torch::Tensor> parameters,
                                 double bucket_mb)
    : comm_(std::move(comm)) {
  for (auto& p : parameters) {
    if (p.requires_grad()) parameters_.push_back(p);
  }
  const auto n = parameters_.size();
  bucket_of_.assign(n, 0);
  slot_of_.assign(n, 0);
  seen_.assign(n, 0);
  const auto limit = static_cast<std::int64_t>(bucket_mb * 1024.0 * 1024.0);
  std::int64_t bytes = limit;  // forces a first bucket
  for (std::size_t k = n; k-- > 0;) {
    const auto& p = parameters_[k];
    const bool new_bucket =
        buckets_.empty() || bytes >= limit ||
        parameters_[buckets_.back().params.front()].options().dtype() != p.options().dtype();
    if (new_bucket) {
      buckets_.emplace_back();
      bytes = 0;
    }
    auto& bucket = buckets_.back();
    bucket_of_[k] = buckets_.size() - 1;
    slot_of_[k] = bucket.params.size();
    bucket.offsets.push_back(bytes / static_cast<std::int64_t>(p.element_size()));
    bucket.params.push_back(k);
    bytes += p.numel() * static_cast<std::int64_t>(p.element_size());
  }
  for (auto& bucket : buckets_) {
    const auto& last = parameters_[bucket.params.back()];
    const auto elements = bucket.offsets.back() + last.numel();
    // The gradients, then one "has a gradient" flag per parameter, summed with them.
    bucket.flat = torch::zeros({elements + static_cast<std::int64_t>(bucket.params.size())},
                               last.options().requires_grad(false));
  }
  for (std::size_t k = 0; k < n; ++k) {
    hooks_.push_back(parameters_[k].register_hook(
        [this, k](const torch::Tensor& grad) { on_gradient(k, grad); }));
  }
}

GradientReducer::~GradientReducer() {
  for (std::size_t k = 0; k < hooks_.size(); ++k) parameters_[k].remove_hook(hooks_[k]);
}

void GradientReducer::on_gradient(std::size_t param, const torch::Tensor& grad) {
  if (seen_[param]) return;
  auto& bucket = buckets_[bucket_of_[param]];
  const auto slot = slot_of_[param];
  const auto& p = parameters_[param];
  bucket.flat.narrow(0, bucket.offsets[slot], p.numel()).copy_(grad.reshape({-1}));
  seen_[param] = 1;
  if (++bucket.ready == bucket.params.size()) launch_ready();
}

void GradientReducer::launch(Bucket& bucket) {
  torch::NoGradGuard no_grad;
  const auto elements = bucket.flat.numel() - static_cast<std::int64_t>(bucket.params.size());
  for (std::size_t s = 0; s < bucket.params.size(); ++s) {
    const auto k = bucket.params[s];
    if (!seen_[k]) bucket.flat.narrow(0, bucket.offsets[s], parameters_[k].numel()).zero_();
    bucket.flat[elements + static_cast<std::int64_t>(s)].fill_(seen_[k] ? 1.0 : 0.0);
  }
  bucket.work = comm_->all_reduce_async(bucket.flat);
  bucket.launched = true;
}

void GradientReducer::launch_ready() {
  while (next_launch_ < buckets_.size() &&
         buckets_[next_launch_].ready == buckets_[next_launch_].params.size()) {
    launch(buckets_[next_launch_++]);
  }
}

void GradientReducer::finish() {
  while (next_launch_ < buckets_.size()) launch(buckets_[next_launch_++]);
  torch::NoGradGuard no_grad;
  for (auto& bucket : buckets_) {
    bucket.work.wait();
    const auto elements = bucket.flat.numel() - static_cast<std::int64_t>(bucket.params.size());
    // One device-to-host copy of the bucket's flags.
    const auto flags = bucket.flat.narrow(0, elements, bucket.params.size())
                           .to(torch::kCPU, torch::kFloat32)
                           .contiguous();
    const float* has_grad = flags.data_ptr<float>();
    for (std::size_t s = 0; s < bucket.params.size(); ++s) {
      auto& p = parameters_[bucket.params[s]];
      if (has_grad[s] > 0) {
        p.mutable_grad() = bucket.flat.narrow(0, bucket.offsets[s], p.numel()).view(p.sizes());
      } else {
        p.mutable_grad() = torch::Tensor();
      }
    }
    bucket.ready = 0;
    bucket.launched = false;
  }
  std::fill(seen_.begin(), seen_.end(), 0);
  next_launch_ = 0;
}

void broadcast_from_rank0(Comm& comm, const std::vector<torch::Tensor>& tensors) {
  if (!comm.distributed()) return;
  torch::NoGradGuard no_grad;
  for (const auto& t : tensors) {
    auto data = t.detach();
    comm.broadcast(data, 0);
  }
}

}  // namespace astrom3::dist

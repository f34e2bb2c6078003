// Data-parallel gradient synchronisation: sums every parameter's gradient over the ranks, in
// buckets of about CommOptions::bucket_mb that start all-reducing while the backward pass is
// still computing earlier layers' gradients (the overlap DDP gets from its Reducer, which
// LibTorch does not expose as a stable C++ API).
//
// Sum, not mean: each rank back-propagates its share of the global batch's loss (the shares
// add up to the loss of the global batch), so the summed gradient is the gradient of the
// global loss, whatever the ranks' row counts (docs/distributed.md).
//
// Buckets are launched strictly in bucket order, so every rank issues the same collectives in
// the same sequence even if its hooks fire in another order.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <torch/types.h>

#include "astrom3/dist/comm.h"

namespace astrom3::dist {

class GradientReducer {
 public:
  /// Registers a gradient hook on every parameter that requires a gradient. Buckets fill in
  /// reverse parameter order (the order backward produces gradients).
  GradientReducer(std::shared_ptr<Comm> comm, std::vector<torch::Tensor> parameters,
                  double bucket_mb);
  ~GradientReducer();
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  /// Call after backward(): starts the buckets whose hooks did not all fire (their missing
  /// gradients count as zero), waits for all of them and sets every parameter's gradient to
  /// the sum over ranks. A parameter no rank produced a gradient for keeps none, as in a
  /// single process. Also valid when this rank ran no backward pass at all.
  void finish();

  std::size_t buckets() const { return buckets_.size(); }

 private:
  struct Bucket {
    std::vector<std::size_t> params;    // indices into parameters_
    std::vector<std::int64_t> offsets;  // of each parameter in `flat`
    torch::Tensor flat;                 // concatenated gradients
    std::size_t ready = 0;
    bool launched = false;
    PendingWork work;
  };

  void on_gradient(std::size_t param, const torch::Tensor& grad);
  void launch_ready();
  void launch(Bucket& bucket);

  std::shared_ptr<Comm> comm_;
  std::vector<torch::Tensor> parameters_;
  std::vector<unsigned> hooks_;
  std::vector<Bucket> buckets_;
  std::vector<std::size_t> bucket_of_;  // parameter -> bucket
  std::vector<std::size_t> slot_of_;    // parameter -> position in its bucket
  std::vector<char> seen_;              // parameter produced a gradient this step
  std::size_t next_launch_ = 0;
};

/// Copies rank 0's values of `tensors` (parameters and buffers) to every rank.
void broadcast_from_rank0(Comm& comm, const std::vector<torch::Tensor>& tensors);

}  // namespace astrom3::dist

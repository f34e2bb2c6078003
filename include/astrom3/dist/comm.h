// astrom3's communicator: the collectives data-parallel training needs, over PyTorch's c10d
// engine (a TCPStore rendezvous and ProcessGroupGloo on CPUs or ProcessGroupNCCL on CUDA).
// Every difference between the c10d C++ APIs of LibTorch 1.13 (backends derive from
// ProcessGroup) and 2.x (from Backend) is confined to src/dist/comm.cpp.
//
// All ranks must call the same collectives in the same order with tensors of equal shapes.
// Each collective waits at most CommOptions::timeout_s; a rank that died or stopped answering
// makes the others throw Error naming the collective instead of hanging.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <c10/core/Device.h>
#include <torch/types.h>

#include "astrom3/common/enum_names.h"
#include "astrom3/dist/launch.h"

namespace astrom3::dist {

/// The process-group backend; kAuto picks NCCL for CUDA devices and Gloo otherwise.
enum class Backend { kAuto, kGloo, kNccl };

inline const EnumNames<Backend>& backend_names() {
  static const EnumNames<Backend> names{
      {"auto", Backend::kAuto}, {"gloo", Backend::kGloo}, {"nccl", Backend::kNccl}};
  return names;
}

/// The `dist` section of a run config.
struct CommOptions {
  Backend backend = Backend::kAuto;
  double timeout_s = 600.0;  // rendezvous and per-collective limit
  double bucket_mb = 25.0;   // gradient all-reduce bucket size (GradientReducer)
};

enum class ReduceOp { kSum, kMax };

/// A started collective; wait() blocks until its result is in the tensors it was given.
class PendingWork {
 public:
  PendingWork() = default;
  void wait();

 private:
  friend class Comm;
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

class Comm {
 public:
  /// A communicator of one rank: every collective leaves its tensors unchanged.
  Comm();
  ~Comm();

  /// Rendezvous of `launch.world_size` ranks at launch.master_addr:master_port (rank 0 hosts
  /// the store) and a process group of `options.backend` for tensors on `device`. A
  /// non-distributed launch gives the single-rank communicator. Throws Error when the other
  /// ranks do not arrive within the timeout, ConfigError for a backend this build lacks.
  static std::shared_ptr<Comm> create(const LaunchInfo& launch, const CommOptions& options,
                                      const c10::Device& device);

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  bool distributed() const { return world_size_ > 1; }
  const std::string& backend() const { return backend_; }

  /// In place: every rank ends with the element-wise reduction over ranks.
  void all_reduce(torch::Tensor& tensor, ReduceOp op = ReduceOp::kSum);
  /// Starts an in-place sum; the tensor must stay alive and untouched until wait().
  PendingWork all_reduce_async(torch::Tensor& tensor);
  /// [n, ...] on every rank -> [world_size * n, ...], rank r's rows at [r * n, (r + 1) * n).
  torch::Tensor all_gather(const torch::Tensor& tensor);
  /// In place: every rank ends with `root`'s values.
  void broadcast(torch::Tensor& tensor, int root = 0);
  void barrier();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int rank_ = 0;
  int world_size_ = 1;
  std::string backend_ = "none";
};

/// Every rank's row count of a batch, gathered ([world_size] int64 on the CPU).
std::vector<std::int64_t> gather_counts(Comm& comm, std::int64_t count);

/// Rows of every rank concatenated in rank order, without gradient; ranks may hold different
/// numbers of rows (`counts`, from gather_counts).
torch::Tensor gather_rows(Comm& comm, const torch::Tensor& local,
                          const std::vector<std::int64_t>& counts);

/// gather_rows whose backward sends each rank the gradient of its own rows summed over all
/// ranks' losses: with every rank back-propagating its share of a global loss, the local
/// embeddings receive exactly the gradient of the global loss (docs/distributed.md has the
/// proof). Every rank must run the backward pass.
torch::Tensor gather_rows_with_grad(Comm& comm, const torch::Tensor& local,
                                    const std::vector<std::int64_t>& counts);

}  // namespace astrom3::dist

#include "astrom3/dist/comm.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdlib>
#include <numeric>

#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>
#ifdef USE_C10D_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "astrom3/common/error.h"
#include "astrom3/common/torch_compat.h"

// c10d API differences handled here:
// - LibTorch 1.13: ProcessGroupGloo and ProcessGroupNCCL derive from c10d::ProcessGroup, which
//   carries the collectives. 2.0+: they derive from c10d::Backend (ProcessGroup became a
//   dispatcher over per-device backends); the collective signatures stayed the same, so the
//   backend object is used directly in both.
// - TCPStoreOptions::useLibUV exists from 2.2 and defaults to true from 2.4; LibTorch builds
//   without libuv (Debian's) need the classic server, which every version has.
#if ASTROM3_TORCH_AT_LEAST(2, 0)
#include <torch/csrc/distributed/c10d/Backend.hpp>
using CollectiveBackend = c10d::Backend;
#else
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
using CollectiveBackend = c10d::ProcessGroup;
#endif

namespace astrom3::dist {
namespace {

using Milliseconds = std::chrono::milliseconds;

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

std::string failure(const std::string& what, const std::string& where, double timeout_s,
                    const std::string& cause) {
  return "distributed " + what + " failed on " + where +
         ": another rank has died, or did not answer within dist.timeout_s = " +
         std::to_string(static_cast<long long>(timeout_s)) + " s (" + cause + ")";
}

// The process group of `backend` over `store`. Each backend exists only when its macro is
// defined (CMake's "astrom3 distributed backends" line lists them).
c10::intrusive_ptr<CollectiveBackend> make_backend(Backend backend,
                                                   const c10::intrusive_ptr<c10d::Store>& store,
                                                   const LaunchInfo& launch, Milliseconds timeout) {
  if (backend == Backend::kGloo) {
#ifdef USE_C10D_GLOO
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    // GLOO_SOCKET_IFNAME picks the network interface, as in PyTorch; a loopback rendezvous
    // keeps the whole job on loopback; otherwise the interface this host's name resolves to.
    if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME")) {
      options->devices.push_back(
          c10d::ProcessGroupGloo::createDeviceForInterface(std::string(ifname)));
    } else if (is_loopback(launch.master_addr)) {
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    } else {
      options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    options->threads = 2;
    return c10::make_intrusive<c10d::ProcessGroupGloo>(store, launch.rank, launch.world_size,
                                                       options);
#endif
  } else if (backend == Backend::kNccl) {
#ifdef USE_C10D_NCCL
    auto options = c10d::ProcessGroupNCCL::Options::create();
    options->timeout = timeout;
    return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, launch.rank, launch.world_size,
                                                       options);
#endif
  }
  throw ConfigError("dist.backend " + name_of(backend, backend_names()) +
                    ": this astrom3 was built without it (" +
                    (backend == Backend::kGloo
                         ? std::string("install libgloo-dev and rebuild")
                         : std::string("it needs a CUDA build of LibTorch and nccl.h")) +
                    "; CMake's line \"astrom3 distributed backends\" lists the backends built)");
}

}  // namespace

struct PendingWork::Impl {
  c10::intrusive_ptr<c10d::Work> work;
  std::string what, where;
  double timeout_s = 0;
};

struct Comm::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<CollectiveBackend> backend;
  double timeout_s = 0;
  std::string where;  // "rank R of W"

  // Runs one collective to completion, turning any failure (a peer that closed its
  // connection, a timeout) into an Error that says which collective and why it may fail.
  template <typename Start>
  void run(const char* what, Start start) {
    try {
      start()->wait();
    } catch (const std::exception& e) {
      throw Error(failure(what, where, timeout_s, e.what()));
    }
  }
};

void PendingWork::wait() {
  if (!impl_) return;
  try {
    impl_->work->wait();
  } catch (const std::exception& e) {
    throw Error(failure(impl_->what, impl_->where, impl_->timeout_s, e.what()));
  }
  impl_.reset();
}

Comm::Comm() = default;
Comm::~Comm() = default;

std::shared_ptr<Comm> Comm::create(const LaunchInfo& launch, const CommOptions& options,
                                   const c10::Device& device) {
  auto comm = std::make_shared<Comm>();
  if (!launch.distributed()) return comm;
  Backend backend = options.backend;
  if (backend == Backend::kAuto) backend = device.is_cuda() ? Backend::kNccl : Backend::kGloo;
  const std::string& backend_name = name_of(backend, backend_names());
  if (backend == Backend::kNccl && !device.is_cuda()) {
    throw ConfigError("dist.backend nccl needs CUDA devices; this rank runs on " + device.str() +
                      " (use gloo on CPUs)");
  }
  const auto timeout = Milliseconds(static_cast<std::int64_t>(options.timeout_s * 1000.0));
  comm->rank_ = launch.rank;
  comm->world_size_ = launch.world_size;
  comm->backend_ = backend_name;
  comm->impl_ = std::make_unique<Impl>();
  auto& impl = *comm->impl_;
  impl.timeout_s = options.timeout_s;
  impl.where = "rank " + std::to_string(launch.rank) + " of " + std::to_string(launch.world_size);

  c10d::TCPStoreOptions store_options;
  store_options.port = static_cast<std::uint16_t>(launch.master_port);
  store_options.isServer = launch.rank == 0;
  store_options.numWorkers = static_cast<std::size_t>(launch.world_size);
  store_options.waitWorkers = true;
  store_options.timeout = timeout;
#if ASTROM3_TORCH_AT_LEAST(2, 2)
  store_options.useLibUV = false;
#endif
  try {
    impl.store = c10::make_intrusive<c10d::TCPStore>(launch.master_addr, store_options);
  } catch (const std::exception& e) {
    throw Error(
        "distributed rendezvous failed for " + launch.describe() + ": not all " +
        std::to_string(launch.world_size) + " ranks reached " + launch.master_addr + ":" +
        std::to_string(launch.master_port) +
        " within dist.timeout_s = " + std::to_string(static_cast<long long>(options.timeout_s)) +
        " s; check MASTER_ADDR/MASTER_PORT and that every rank was started (" + e.what() + ")");
  }

  try {
    impl.backend = make_backend(backend, impl.store, launch, timeout);
  } catch (const astrom3::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error("creating the " + backend_name + " process group failed on " + launch.describe() +
                ": " + e.what());
  }
  spdlog::info("[dist] {} joined a {} process group of {} ranks", launch.describe(), backend_name,
               launch.world_size);
  return comm;
}

void Comm::all_reduce(torch::Tensor& tensor, ReduceOp op) {
  if (!distributed()) return;
  std::vector<torch::Tensor> tensors = {tensor};
  c10d::AllreduceOptions options;
  options.reduceOp = op == ReduceOp::kSum ? c10d::ReduceOp::SUM : c10d::ReduceOp::MAX;
  impl_->run("all_reduce", [&] { return impl_->backend->allreduce(tensors, options); });
}

PendingWork Comm::all_reduce_async(torch::Tensor& tensor) {
  PendingWork pending;
  if (!distributed()) return pending;
  std::vector<torch::Tensor> tensors = {tensor};
  pending.impl_ = std::make_shared<PendingWork::Impl>();
  pending.impl_->what = "gradient all_reduce";
  pending.impl_->where = impl_->where;
  pending.impl_->timeout_s = impl_->timeout_s;
  try {
    pending.impl_->work = impl_->backend->allreduce(tensors);
  } catch (const std::exception& e) {
    throw Error(failure("gradient all_reduce", impl_->where, impl_->timeout_s, e.what()));
  }
  return pending;
}

torch::Tensor Comm::all_gather(const torch::Tensor& tensor) {
  if (!distributed()) return tensor;
  std::vector<torch::Tensor> inputs = {tensor.contiguous()};
  std::vector<std::vector<torch::Tensor>> outputs(1);
  for (int r = 0; r < world_size_; ++r) outputs[0].push_back(torch::empty_like(inputs[0]));
  impl_->run("all_gather", [&] { return impl_->backend->allgather(outputs, inputs); });
  return torch::cat(outputs[0], 0);
}

void Comm::broadcast(torch::Tensor& tensor, int root) {
  if (!distributed()) return;
  std::vector<torch::Tensor> tensors = {tensor};
  c10d::BroadcastOptions options;
  options.rootRank = root;
  impl_->run("broadcast", [&] { return impl_->backend->broadcast(tensors, options); });
}

void Comm::barrier() {
  if (!distributed()) return;
  impl_->run("barrier", [&] { return impl_->backend->barrier(); });
}

std::vector<std::int64_t> gather_counts(Comm& comm, std::int64_t count) {
  if (!comm.distributed()) return {count};
  auto local = torch::full({1}, count, torch::kInt64);
  const auto all = comm.all_gather(local);
  return std::vector<std::int64_t>(all.data_ptr<std::int64_t>(),
                                   all.data_ptr<std::int64_t>() + all.numel());
}

namespace {

// Ranks' rows padded to the largest count, gathered, and the padding dropped.
torch::Tensor gather_padded(Comm& comm, const torch::Tensor& local,
                            const std::vector<std::int64_t>& counts) {
  const auto most = *std::max_element(counts.begin(), counts.end());
  auto sizes = local.sizes().vec();
  sizes[0] = most;
  auto padded = torch::zeros(sizes, local.options());
  padded.narrow(0, 0, local.size(0)).copy_(local);
  const auto all = comm.all_gather(padded);
  std::vector<torch::Tensor> parts;
  for (std::size_t r = 0; r < counts.size(); ++r) {
    parts.push_back(all.narrow(0, static_cast<std::int64_t>(r) * most, counts[r]));
  }
  return torch::cat(parts, 0);
}

std::int64_t offset_of(const std::vector<std::int64_t>& counts, int rank) {
  return std::accumulate(counts.begin(), counts.begin() + rank, std::int64_t{0});
}

// Forward: gather. Backward: the gradient of the gathered rows, summed over ranks (each rank
// holds the gradient of its own loss share), sliced to this rank's rows. Gloo has no
// reduce_scatter in 1.13, hence all-reduce then slice.
struct GatherRowsWithGrad : torch::autograd::Function<GatherRowsWithGrad> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& local,
                               Comm* comm, std::vector<std::int64_t> counts) {
    ctx->saved_data["offset"] = offset_of(counts, comm->rank());
    ctx->saved_data["rows"] = local.size(0);
    ctx->saved_data["comm"] = reinterpret_cast<std::int64_t>(comm);
    auto gathered = gather_padded(*comm, local, counts);
    ctx->saved_data["like"] = gathered.new_empty({0});
    ctx->saved_data["shape"] = gathered.sizes().vec();
    return gathered;
  }
  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx,
                                               torch::autograd::tensor_list grads) {
    auto* comm = reinterpret_cast<Comm*>(ctx->saved_data["comm"].toInt());
    // Every rank must join the all-reduce, also one whose loss did not use the rows.
    auto grad = grads[0].defined() ? grads[0].contiguous().clone()
                                   : torch::zeros(ctx->saved_data["shape"].toIntVector(),
                                                  ctx->saved_data["like"].toTensor().options());
    comm->all_reduce(grad);
    return {grad.narrow(0, ctx->saved_data["offset"].toInt(), ctx->saved_data["rows"].toInt()),
            torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor gather_rows(Comm& comm, const torch::Tensor& local,
                          const std::vector<std::int64_t>& counts) {
  if (!comm.distributed()) return local;
  torch::NoGradGuard no_grad;
  return gather_padded(comm, local.detach(), counts);
}

torch::Tensor gather_rows_with_grad(Comm& comm, const torch::Tensor& local,
                                    const std::vector<std::int64_t>& counts) {
  if (!comm.distributed()) return local;
  return GatherRowsWithGrad::apply(local, &comm, counts);
}

}  // namespace astrom3::dist

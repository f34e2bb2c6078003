// Multi-threaded, deterministic batch assembly.
//
// Determinism: an epoch's sample order is a permutation drawn from (seed, epoch), and a
// sample's random crop from (seed, epoch, survey row). Workers assemble whole batches and the
// consumer receives them strictly in order, so the batches are identical for any number of
// workers. Workers never touch HDF5: the store holds everything in memory.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <c10/core/Device.h>

#include "astrom3/data/batch.h"
#include "astrom3/data/sample_store.h"
#include "astrom3/dist/shard.h"

namespace astrom3::data {

/// The `loader` section of a run config.
struct LoaderOptions {
  std::int64_t batch_size = 512;
  int workers = 2;        // threads assembling batches; 0 = assemble on the calling thread
  int prefetch = 4;       // batches assembled ahead of the consumer (per loader)
  bool shuffle = true;    // shuffle training loaders each epoch
  bool drop_last = true;  // training loaders drop the last partial batch
};

class BatchLoader {
 public:
  /// training = true: shuffled (if options.shuffle), random crops, drop_last honoured.
  /// training = false: store order, centre crops, the last partial batch kept.
  /// On a CUDA `device` batches are assembled in pinned memory and copied non-blocking.
  /// `rank` of a data-parallel job: options.batch_size is the global batch, the sample order
  /// is the same on every rank, and each batch holds this rank's shard of the global batch's
  /// rows (dist::shard_range), so the ranks' batches concatenate to the single-process batch.
  BatchLoader(std::shared_ptr<const SampleStore> store, LoaderOptions options, bool training,
              std::uint64_t seed, c10::Device device = c10::Device(c10::kCPU),
              dist::Shard rank = {});
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  std::int64_t batches_per_epoch() const;
  /// Objects in the smallest global batch of an epoch (0 when there is none).
  std::int64_t smallest_batch() const;
  /// Restarts iteration at batch `first_batch` of `epoch` (any epoch, in any order); a resumed
  /// run skips the batches it already trained on without assembling them.
  void start_epoch(std::int64_t epoch, std::int64_t first_batch = 0);
  /// The next batch of the current epoch, or nullopt at its end. Rethrows a worker's error.
  std::optional<Batch> next();

  /// The sample order of `epoch` (indices into the store).
  std::vector<std::int64_t> epoch_order(std::int64_t epoch) const;

 private:
  Batch assemble(std::int64_t batch_index) const;
  void stop_workers();
  void worker_loop(int worker);

  std::shared_ptr<const SampleStore> store_;
  LoaderOptions options_;
  bool training_;
  std::uint64_t seed_;
  c10::Device device_;
  bool pinned_;
  dist::Shard rank_;

  std::int64_t epoch_ = 0;
  std::vector<std::int64_t> order_;
  std::int64_t next_ = 0;   // next batch index to hand out
  std::int64_t first_ = 0;  // first batch index of this pass

  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::int64_t, Batch> ready_;
  std::exception_ptr error_;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace astrom3::data

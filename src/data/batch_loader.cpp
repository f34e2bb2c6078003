#include "astrom3/data/batch_loader.h"

#include <torch/torch.h>

#include <algorithm>
#include <numeric>

#include "astrom3/common/error.h"
#include "astrom3/common/rng.h"
#include "astrom3/data/schema.h"

namespace astrom3::data {
namespace {
constexpr std::uint64_t kOrderStream = 0x0DE5;
}

BatchLoader::BatchLoader(std::shared_ptr<const SampleStore> store, LoaderOptions options,
                         bool training, std::uint64_t seed, c10::Device device, dist::Shard rank)
    : store_(std::move(store)),
      options_(options),
      training_(training),
      seed_(seed),
      device_(device),
      pinned_(device.is_cuda()),
      rank_(rank) {
  if (options_.batch_size <= 0) throw ConfigError("loader.batch_size must be positive");
  start_epoch(0);
}

BatchLoader::~BatchLoader() {
  stop_workers();
}

std::int64_t BatchLoader::batches_per_epoch() const {
  const auto n = store_->size();
  const auto bs = options_.batch_size;
  return (training_ && options_.drop_last) ? n / bs : (n + bs - 1) / bs;
}

std::int64_t BatchLoader::smallest_batch() const {
  const auto batches = batches_per_epoch();
  if (batches == 0) return 0;
  return std::min<std::int64_t>(options_.batch_size,
                                store_->size() - (batches - 1) * options_.batch_size);
}

std::vector<std::int64_t> BatchLoader::epoch_order(std::int64_t epoch) const {
  if (training_ && options_.shuffle) {
    return permutation(store_->size(),
                       derive_seed(seed_, {static_cast<std::uint64_t>(epoch), kOrderStream}));
  }
  std::vector<std::int64_t> order(static_cast<std::size_t>(store_->size()));
  std::iota(order.begin(), order.end(), 0);
  return order;
}

void BatchLoader::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

void BatchLoader::start_epoch(std::int64_t epoch, std::int64_t first_batch) {
  stop_workers();
  epoch_ = epoch;
  order_ = epoch_order(epoch);
  next_ = std::clamp<std::int64_t>(first_batch, 0, batches_per_epoch());
  first_ = next_;
  ready_.clear();
  error_ = nullptr;
  stop_ = false;
  for (int w = 0; w < options_.workers; ++w) {
    workers_.emplace_back([this, w] { worker_loop(w); });
  }
}

Batch BatchLoader::assemble(std::int64_t b) const {
  const auto bs = options_.batch_size;
  const auto global_count = std::min<std::int64_t>(bs, store_->size() - b * bs);
  const auto shard = dist::shard_range(global_count, rank_);
  const auto begin = b * bs + shard.begin;
  const auto count = shard.size();
  const auto L = store_->seq_len();
  Batch batch = allocate_batch(count, L, pinned_);
  float* phot = batch.photometry.data_ptr<float>();
  float* mask = batch.photometry_mask.data_ptr<float>();
  float* spec = batch.spectra.data_ptr<float>();
  float* meta = batch.metadata.data_ptr<float>();
  bool* present = batch.present.data_ptr<bool>();
  auto* labels = batch.labels.data_ptr<std::int64_t>();
  auto* rows = batch.rows.data_ptr<std::int64_t>();
  const auto& survey = store_->survey();
  const CropMode crop = training_ ? CropMode::kRandom : CropMode::kCentre;
  for (std::int64_t i = 0; i < count; ++i) {
    const auto k = order_[begin + i];
    const auto row = store_->row(k);
    const SampleSlots slots{phot + i * L * kPhotometryChannels, mask + i * L,
                            spec + i * kSpectrumChannels * kSpectrumGridSize,
                            meta + i * kNumMetaCols, present + i * 3};
    store_->fill(
        k, crop,
        derive_seed(seed_, {static_cast<std::uint64_t>(epoch_), static_cast<std::uint64_t>(row)}),
        slots);
    labels[i] = survey.labels[row];
    rows[i] = row;
    batch.ids[i] = survey.ids[row];
  }
  batch.global_offset = shard.begin;
  batch.global_size = global_count;
  return batch;
}

void BatchLoader::worker_loop(int worker) {
  const auto total = batches_per_epoch();
  for (std::int64_t b = first_ + worker; b < total; b += options_.workers) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [&] { return stop_ || b < next_ + std::max(1, options_.prefetch); });
      if (stop_) return;
    }
    try {
      Batch batch = assemble(b);
      std::lock_guard<std::mutex> lock(mutex_);
      ready_.emplace(b, std::move(batch));
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    cv_.notify_all();
  }
}

std::optional<Batch> BatchLoader::next() {
  if (next_ >= batches_per_epoch()) return std::nullopt;
  Batch batch;
  if (options_.workers == 0) {
    batch = assemble(next_);
  } else {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return error_ || ready_.count(next_) > 0; });
    if (error_) std::rethrow_exception(error_);
    batch = std::move(ready_.at(next_));
    ready_.erase(next_);
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++next_;
  }
  cv_.notify_all();
  if (!device_.is_cpu()) batch = batch.to(device_, /*non_blocking=*/true);
  return batch;
}

}  // namespace astrom3::data

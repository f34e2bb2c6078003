// The checkpoints of one run directory, as the trainer writes them: RUN/checkpoints/<name>/
// (train/checkpoint.h), RUN/latest pointing at the newest, RUN/best at the best epoch, and the
// older ones pruned. Only the writer (rank 0 of a data-parallel job) touches the disk; the
// other ranks get the same names and paths.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include "astrom3/train/checkpoint.h"

namespace astrom3::train {

class Checkpointer {
 public:
  /// `keep_last`: end-of-epoch and stop checkpoints kept besides those `latest` and `best`
  /// point to (train.keep_checkpoints).
  Checkpointer(std::filesystem::path run_dir, std::int64_t keep_last, bool writer);

  /// "epoch-0003" after 3 whole epochs, "epoch-0003-step-000120" for a checkpoint 120 steps
  /// into the 4th; names sort in training order.
  static std::string name(std::int64_t epochs_done, std::int64_t steps_in_epoch);

  /// Creates RUN/checkpoints (writer only); call before the first save.
  void prepare() const;
  /// The directory of checkpoint `name`.
  std::filesystem::path path(const std::string& name) const;
  /// Writes checkpoint `name` and points `latest` at it; returns its directory (on every rank).
  std::filesystem::path save(const std::string& name, const CheckpointManifest& manifest,
                             torch::nn::Module& module, torch::optim::Optimizer* optimizer) const;
  /// Points `best` at checkpoint `name`.
  void mark_best(const std::string& name) const;
  /// Removes all but the newest `keep_last` checkpoints, never those `latest` or `best` name.
  void prune() const;

  const std::filesystem::path& run_dir() const { return run_dir_; }
  bool writer() const { return writer_; }

 private:
  std::filesystem::path run_dir_;
  std::int64_t keep_last_;
  bool writer_;
};

}  // namespace astrom3::train

// The `train` section of a run config: optimisation, schedule, stopping, logging, precision.
// Defaults are generic; configs/paper/*.json hold the paper's tuned values (arXiv 2411.08842
// Appendix A; docs/reproduction.md).
#pragma once

#include <cstdint>
#include "astrom3/common/enum_names.h"
#include "astrom3/common/precision.h"

namespace astrom3::train {

enum class OptimizerKind { kAdam, kAdamW };
enum class Schedule { kPlateau, kCosine, kConstant };
enum class BestMetric { kValAccuracy, kValLoss };

inline const EnumNames<OptimizerKind>& optimizer_names() {
  static const EnumNames<OptimizerKind> names{{"adam", OptimizerKind::kAdam},
                                              {"adamw", OptimizerKind::kAdamW}};
  return names;
}
inline const EnumNames<Schedule>& schedule_names() {
  static const EnumNames<Schedule> names{{"plateau", Schedule::kPlateau},
                                         {"cosine", Schedule::kCosine},
                                         {"constant", Schedule::kConstant}};
  return names;
}
/// The names are also the metric's key in metrics.jsonl (best_val_accuracy, best_val_loss).
inline const EnumNames<BestMetric>& best_metric_names() {
  static const EnumNames<BestMetric> names{{"val_accuracy", BestMetric::kValAccuracy},
                                           {"val_loss", BestMetric::kValLoss}};
  return names;
}

struct TrainOptions {
  std::int64_t epochs = 100;
  /// adam: coupled L2 weight decay on every parameter (the paper).
  /// adamw: decoupled weight decay, none on biases, norms and logit scales (tensors with < 2 dims).
  OptimizerKind optimizer = OptimizerKind::kAdam;
  double lr = 1.0e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1.0e-8;
  double weight_decay = 0.0;
  /// plateau (the paper): after warm-up, multiply the lr by plateau_factor when the validation
  /// loss has not improved for more than plateau_patience epochs. cosine: after warm-up, decay to
  /// min_lr at the last epoch. constant: warm-up only.
  Schedule schedule = Schedule::kPlateau;
  std::int64_t warmup_epochs = 10;      // linear warm-up in epochs, stepped once per epoch
  double warmup_start_factor = 1.0e-5;  // first epoch's lr factor
  double plateau_factor = 0.1;
  std::int64_t plateau_patience = 3;
  double plateau_threshold = 1.0e-4;  // relative improvement that counts (PyTorch's default)
  double min_lr = 0.0;
  double clip_grad_norm = 0.0;               // max global gradient norm; 0 = no clipping
  std::int64_t early_stopping_patience = 6;  // epochs without val-loss improvement; 0 = off
  /// The checkpoint called `best`: val_accuracy (the paper; for CLIP the in-batch retrieval
  /// accuracy) or val_loss.
  BestMetric best_metric = BestMetric::kValAccuracy;
  std::int64_t log_every_steps = 20;       // a metrics.jsonl step record every N optimiser steps
  std::int64_t keep_checkpoints = 2;       // epoch checkpoints kept besides `best`
  Precision precision = Precision::kFp32;  // bf16: mixed precision on CPU or CUDA (precision.h)
  bool allow_tf32 = true;                  // TF32 matrix products on Ampere and newer GPUs
};

}  // namespace astrom3::train

// What a training step computes, separated from how training runs (Trainer), so that
// pre-training and fine-tuning share one loop, checkpointing, logging and resume.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <torch/nn/module.h>
#include <nlohmann/json.hpp>

#include "astrom3/common/precision.h"
#include "astrom3/data/batch.h"

namespace astrom3::train {

struct StepOutput {
  torch::Tensor loss;  // 0-d; differentiable in training mode
  /// Additive 0-d quantities (e.g. "loss", "batches", "correct") summed over an epoch and turned
  /// into epoch metrics by Objective::summarize.
  std::map<std::string, torch::Tensor> sums;
};

class Objective {
 public:
  virtual ~Objective() = default;
  /// The module whose parameters are trained and whose weights are checkpointed.
  virtual torch::nn::Module& module() = 0;
  /// The compute precision of the model's forward pass (the trainer sets train.precision).
  virtual void set_precision(Precision precision) = 0;
  /// Called before every training step with the global step (seeds stochastic layers).
  virtual void set_step(std::uint64_t /*global_step*/) {}
  /// `batch` is on the training device.
  virtual StepOutput compute(const data::Batch& batch) = 0;
  /// Epoch metrics from summed quantities; must contain "loss" and "accuracy", both null when
  /// the objective scored no object (the trainer then treats the split as empty).
  virtual nlohmann::json summarize(const std::map<std::string, double>& sums) const = 0;
  /// Extra values of step records (e.g. the logit scales).
  virtual nlohmann::json step_extras() { return nlohmann::json::object(); }
};

}  // namespace astrom3::train

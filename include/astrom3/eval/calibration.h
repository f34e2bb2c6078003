// Probability calibration of a classifier by temperature scaling (Guo et al. 2017, "On
// Calibration of Modern Neural Networks"): one scalar T > 0 divides every logit before the
// softmax. T leaves the predicted class unchanged and is fitted on held-out (validation)
// objects by minimising their negative log-likelihood. Reported with the expected calibration
// error over equal-width confidence bins, and the bins themselves for reliability diagrams.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/types.h>
#include <nlohmann/json.hpp>

namespace astrom3::eval {

/// One confidence bin (lower, upper] of a reliability diagram; the first bin includes 0.
struct ReliabilityBin {
  double lower = 0, upper = 0;
  std::int64_t count = 0;
  double confidence = 0;  // mean top-class probability of the bin's objects (0 when empty)
  double accuracy = 0;    // fraction of them whose top class is the label (0 when empty)
};

struct CalibrationQuality {
  double nll = 0;  // mean negative log-likelihood of the labels, nats
  double ece = 0;  // expected calibration error: sum over bins of |accuracy - confidence| n_b / N
  std::vector<ReliabilityBin> bins;
};

/// What finetune fits on the validation split and stores in the checkpoint's manifest.
struct Calibration {
  double temperature = 1.0;
  std::int64_t objects = 0;          // validation objects fitted on; 0 = not fitted (T = 1)
  CalibrationQuality before, after;  // at T = 1 and at `temperature`, on those objects
};

inline constexpr int kCalibrationBins = 15;

/// logits [N, C] (any float type, any device), labels [N] int64 in [0, C). N = 0 gives zeros.
CalibrationQuality calibration_quality(const torch::Tensor& logits, const torch::Tensor& labels,
                                       double temperature, int bins = kCalibrationBins);

/// The T in [0.05, 20] that minimises the mean NLL of `labels` under softmax(logits / T). The
/// NLL is convex in 1/T (a log-sum-exp of functions linear in 1/T minus a linear term), so a
/// golden-section search on 1/T finds the minimum; deterministic. 1 when N = 0.
double fit_temperature(const torch::Tensor& logits, const torch::Tensor& labels);

/// Fits T on (logits, labels) and reports the quality before and after.
Calibration calibrate(const torch::Tensor& logits, const torch::Tensor& labels);

nlohmann::json to_json(const CalibrationQuality& quality);
nlohmann::json to_json(const Calibration& calibration);
/// Throws DataError naming `source` for a malformed record.
Calibration calibration_from_json(const nlohmann::json& doc, const std::string& source);

}  // namespace astrom3::eval

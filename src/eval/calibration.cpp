#include "astrom3/eval/calibration.h"

#include <torch/torch.h>

#include <cmath>

#include "astrom3/common/error.h"

namespace astrom3::eval {
namespace {

constexpr double kMinTemperature = 0.05, kMaxTemperature = 20.0;

// Mean NLL at inverse temperature `beta`, in double precision: logits [N, C] float64 on the CPU.
double nll_at(const torch::Tensor& logits, const torch::Tensor& labels, double beta) {
  const auto z = logits * beta;
  const auto picked = z.gather(1, labels.unsqueeze(1)).squeeze(1);
  return (torch::logsumexp(z, 1) - picked).mean().item<double>();
}

}  // namespace

CalibrationQuality calibration_quality(const torch::Tensor& logits, const torch::Tensor& labels,
                                       double temperature, int bins) {
  if (temperature <= 0 || bins < 1) throw Error("calibration: temperature and bins must be > 0");
  CalibrationQuality q;
  q.bins.resize(static_cast<std::size_t>(bins));
  for (int b = 0; b < bins; ++b) {
    q.bins[b].lower = static_cast<double>(b) / bins;
    q.bins[b].upper = static_cast<double>(b + 1) / bins;
  }
  const auto n = logits.size(0);
  if (n == 0) return q;
  const auto z = logits.to(torch::kCPU, torch::kFloat64);
  const auto y = labels.to(torch::kCPU, torch::kInt64);
  q.nll = nll_at(z, y, 1.0 / temperature);
  const auto p = torch::softmax(z / temperature, 1);
  const auto [confidence, predicted] = p.max(1);
  const auto correct = predicted.eq(y).to(torch::kFloat64);
  // Bin b holds confidences in (b/B, (b+1)/B]; a confidence of exactly 0 cannot occur (>= 1/C).
  const auto index = (confidence * bins).ceil().to(torch::kInt64).clamp(1, bins) - 1;
  const auto count =
      torch::zeros({bins}, torch::kFloat64).index_add_(0, index, torch::ones_like(confidence));
  const auto conf_sum = torch::zeros({bins}, torch::kFloat64).index_add_(0, index, confidence);
  const auto acc_sum = torch::zeros({bins}, torch::kFloat64).index_add_(0, index, correct);
  for (int b = 0; b < bins; ++b) {
    const double c = count[b].item<double>();
    auto& bin = q.bins[b];
    bin.count = static_cast<std::int64_t>(c);
    if (c == 0) continue;
    bin.confidence = conf_sum[b].item<double>() / c;
    bin.accuracy = acc_sum[b].item<double>() / c;
    q.ece += std::abs(bin.accuracy - bin.confidence) * c / static_cast<double>(n);
  }
  return q;
}

double fit_temperature(const torch::Tensor& logits, const torch::Tensor& labels) {
  if (logits.size(0) == 0) return 1.0;
  const auto z = logits.to(torch::kCPU, torch::kFloat64);
  const auto y = labels.to(torch::kCPU, torch::kInt64);
  // Golden-section search for the minimum of the convex NLL(beta) on [1/20, 1/0.05].
  const double ratio = (std::sqrt(5.0) - 1.0) / 2.0;
  double a = 1.0 / kMaxTemperature, b = 1.0 / kMinTemperature;
  double c = b - ratio * (b - a), d = a + ratio * (b - a);
  double fc = nll_at(z, y, c), fd = nll_at(z, y, d);
  while (b - a > 1e-6 * (a + b)) {
    if (fc <= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - ratio * (b - a);
      fc = nll_at(z, y, c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + ratio * (b - a);
      fd = nll_at(z, y, d);
    }
  }
  return 2.0 / (a + b);
}

Calibration calibrate(const torch::Tensor& logits, const torch::Tensor& labels) {
  Calibration c;
  c.objects = logits.size(0);
  c.temperature = fit_temperature(logits, labels);
  c.before = calibration_quality(logits, labels, 1.0);
  c.after = calibration_quality(logits, labels, c.temperature);
  return c;
}

nlohmann::json to_json(const CalibrationQuality& q) {
  auto bins = nlohmann::json::array();
  for (const auto& b : q.bins) {
    bins.push_back({{"lower", b.lower},
                    {"upper", b.upper},
                    {"count", b.count},
                    {"confidence", b.confidence},
                    {"accuracy", b.accuracy}});
  }
  return {{"nll", q.nll}, {"ece", q.ece}, {"bins", bins}};
}

nlohmann::json to_json(const Calibration& c) {
  return {{"method", "temperature"}, {"temperature", c.temperature}, {"fitted_on", "val"},
          {"objects", c.objects},    {"before", to_json(c.before)},  {"after", to_json(c.after)}};
}

Calibration calibration_from_json(const nlohmann::json& doc, const std::string& source) {
  const auto quality = [&](const nlohmann::json& j) {
    CalibrationQuality q;
    q.nll = j.at("nll").get<double>();
    q.ece = j.at("ece").get<double>();
    for (const auto& b : j.at("bins")) {
      q.bins.push_back({b.at("lower").get<double>(), b.at("upper").get<double>(),
                        b.at("count").get<std::int64_t>(), b.at("confidence").get<double>(),
                        b.at("accuracy").get<double>()});
    }
    return q;
  };
  try {
    Calibration c;
    c.temperature = doc.at("temperature").get<double>();
    c.objects = doc.at("objects").get<std::int64_t>();
    c.before = quality(doc.at("before"));
    c.after = quality(doc.at("after"));
    if (!(c.temperature > 0) || !std::isfinite(c.temperature)) {
      throw DataError(source + ": calibration temperature must be a positive number");
    }
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw DataError(source + ": malformed calibration record: " + e.what());
  }
}

}  // namespace astrom3::eval

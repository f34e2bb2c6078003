#include "astrom3/eval/open_set.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "astrom3/common/error.h"
#include "astrom3/common/tensor_values.h"

namespace astrom3::eval {
namespace {

torch::Tensor matrix_from_json(const nlohmann::json& rows, std::int64_t n,
                               const std::string& what) {
  auto m = torch::empty({n, n}, torch::kFloat64);
  const auto square = [&](const nlohmann::json& j) {
    if (!j.is_array() || static_cast<std::int64_t>(j.size()) != n) {
      throw DataError(what + " is not a square matrix");
    }
  };
  square(rows);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto& row = rows.at(static_cast<std::size_t>(i));
    square(row);
    for (std::int64_t j = 0; j < n; ++j) {
      // NaN (a class without training objects) is stored as null: JSON has no NaN.
      const auto& v = row.at(static_cast<std::size_t>(j));
      m[i][j] = v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.get<double>();
    }
  }
  return m;
}

nlohmann::json matrix_to_json(const torch::Tensor& m) {
  auto rows = nlohmann::json::array();
  const auto c = m.to(torch::kFloat64).contiguous();
  for (std::int64_t i = 0; i < c.size(0); ++i) {
    auto row = nlohmann::json::array();
    for (std::int64_t j = 0; j < c.size(1); ++j) {
      const double v = c[i][j].item<double>();
      row.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json());
    }
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

const std::string& unknown_score_name(UnknownScore score) {
  return name_of(score, model::unknown_score_names());
}

UnknownScore unknown_score_from_name(const std::string& name) {
  if (const auto score = parse_enum(name, model::unknown_score_names())) return *score;
  throw ConfigError("unknown-class score '" + name + "': expected " +
                    names_list(model::unknown_score_names()));
}

torch::Tensor unknown_scores(const OpenSetDetector& d, const torch::Tensor& logits) {
  const auto z = logits.to(torch::kCPU, torch::kFloat64);
  if (z.size(0) == 0) return torch::empty({0}, torch::kFloat64);
  switch (d.score) {
    case UnknownScore::kEnergy:
      return -d.temperature * torch::logsumexp(z / d.temperature, 1);
    case UnknownScore::kMaxSoftmax:
      return -std::get<0>(torch::softmax(z / d.temperature, 1).max(1));
    case UnknownScore::kMahalanobis:
      break;
  }
  if (!d.means.defined() || d.means.size(1) != z.size(1)) {
    throw Error("open-set detector: Mahalanobis means do not match the logits' classes");
  }
  // diff [N, K, C] for the K classes with a mean; distance_k = diff_k^T P diff_k.
  const auto known = d.means.isnan().any(1).logical_not().nonzero().squeeze(1);
  const auto mu = d.means.index_select(0, known);
  const auto diff = z.unsqueeze(1) - mu.unsqueeze(0);
  const auto dist = (torch::matmul(diff, d.precision) * diff).sum(2);
  return std::get<0>(dist.min(1));
}

double threshold_at_recall(const torch::Tensor& scores, double recall) {
  auto v = tensor_values<double>(scores);
  if (v.empty()) throw Error("open-set threshold: no known-class objects to choose it on");
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  // k: the fewest objects (1-based count) with k / n >= recall; the epsilon absorbs binary
  // rounding. The threshold lies halfway to the next score, never on one: a score on it would
  // flip its flag with the last bits of the logits (another batch composition).
  const auto k = static_cast<std::size_t>(
      std::min(static_cast<double>(n), std::max(1.0, std::ceil(recall * n - 1e-9))));
  const double at = v[k - 1];
  if (k < n && v[k] > at) return at + 0.5 * (v[k] - at);
  // Ties with the next score, or every object kept: just above the k-th score.
  return at + 1e-6 * std::max(1.0, std::fabs(at));
}

OpenSetDetector fit_open_set(UnknownScore score, double temperature,
                             const torch::Tensor& train_logits, const torch::Tensor& train_labels,
                             const torch::Tensor& val_logits, double known_recall) {
  if (train_logits.size(0) == 0) throw Error("open-set detector: no training objects to fit on");
  OpenSetDetector d;
  d.score = score;
  d.temperature = temperature;
  d.known_recall = known_recall;
  d.fit_objects = train_logits.size(0);
  const auto z = train_logits.to(torch::kCPU, torch::kFloat64);
  const auto y = train_labels.to(torch::kCPU, torch::kInt64);
  const auto c = z.size(1);
  // Class means and the shared covariance of the deviations from them (always stored, so that
  // `evaluate` can compare every score on one checkpoint).
  auto counts = torch::zeros({c}, torch::kFloat64)
                    .index_add_(0, y, torch::ones({y.size(0)}, torch::kFloat64));
  auto sums = torch::zeros({c, c}, torch::kFloat64).index_add_(0, y, z);
  d.means = sums / counts.unsqueeze(1);  // 0 / 0 = NaN for classes without objects
  const auto centred = z - d.means.index_select(0, y);
  auto cov = torch::matmul(centred.t(), centred) / static_cast<double>(z.size(0));
  const double scale = std::max(cov.diagonal().mean().item<double>(), 1e-12);
  cov = cov + 1e-3 * scale * torch::eye(c, torch::kFloat64);
  d.precision = torch::inverse(cov);
  d.threshold_objects = val_logits.size(0);
  d.threshold = threshold_at_recall(unknown_scores(d, val_logits), known_recall);
  return d;
}

OpenSetQuality open_set_quality(const torch::Tensor& known, const torch::Tensor& unseen,
                                double threshold) {
  OpenSetQuality q;
  const auto a = tensor_values<double>(known), b = tensor_values<double>(unseen);
  q.known = static_cast<std::int64_t>(a.size());
  q.unseen = static_cast<std::int64_t>(b.size());
  if (a.empty() || b.empty()) {
    q.auroc = q.fpr_at_95 = std::numeric_limits<double>::quiet_NaN();
    if (!a.empty())
      q.flagged_known = std::count_if(a.begin(), a.end(), [&](double s) { return s > threshold; }) /
                        static_cast<double>(a.size());
    if (!b.empty())
      q.flagged_unseen =
          std::count_if(b.begin(), b.end(), [&](double s) { return s > threshold; }) /
          static_cast<double>(b.size());
    return q;
  }
  // Mann-Whitney U from the sorted union: each unseen object counts the known objects below
  // it, and half of those tied with it.
  std::vector<std::pair<double, int>> all;
  for (double s : a) all.push_back({s, 0});
  for (double s : b) all.push_back({s, 1});
  std::sort(all.begin(), all.end());
  double wins = 0, known_below = 0;
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i;
    double known_tied = 0, unseen_tied = 0;
    for (; j < all.size() && all[j].first == all[i].first; ++j) {
      (all[j].second ? unseen_tied : known_tied) += 1;
    }
    wins += unseen_tied * (known_below + 0.5 * known_tied);
    known_below += known_tied;
    i = j;
  }
  q.auroc = wins / (static_cast<double>(a.size()) * static_cast<double>(b.size()));
  const double t95 = threshold_at_recall(known, kDefaultKnownRecall);
  const auto share = [](const std::vector<double>& v, auto pred) {
    return std::count_if(v.begin(), v.end(), pred) / static_cast<double>(v.size());
  };
  q.fpr_at_95 = share(b, [&](double s) { return s <= t95; });
  q.flagged_known = share(a, [&](double s) { return s > threshold; });
  q.flagged_unseen = share(b, [&](double s) { return s > threshold; });
  return q;
}

std::vector<std::pair<UnknownScore, OpenSetQuality>> compare_unknown_scores(
    const OpenSetDetector& detector, const torch::Tensor& known_logits,
    const torch::Tensor& unseen_logits) {
  std::vector<std::pair<UnknownScore, OpenSetQuality>> out;
  for (auto score : kUnknownScores) {
    if (score == UnknownScore::kMahalanobis && !detector.means.defined()) continue;
    OpenSetDetector d = detector;
    d.score = score;
    const auto known = unknown_scores(d, known_logits);
    double threshold = detector.threshold;
    if (score != detector.score) {
      threshold = known.numel() > 0 ? threshold_at_recall(known, kDefaultKnownRecall)
                                    : std::numeric_limits<double>::infinity();
    }
    out.emplace_back(score, open_set_quality(known, unknown_scores(d, unseen_logits), threshold));
  }
  return out;
}

nlohmann::json to_json(const OpenSetDetector& d) {
  nlohmann::json j = {{"score", unknown_score_name(d.score)},
                      {"temperature", d.temperature},
                      {"threshold", d.threshold},
                      {"known_recall", d.known_recall},
                      {"fit_on", "train"},
                      {"fit_objects", d.fit_objects},
                      {"threshold_on", "val"},
                      {"threshold_objects", d.threshold_objects}};
  if (d.means.defined()) {
    j["means"] = matrix_to_json(d.means);
    j["precision"] = matrix_to_json(d.precision);
  }
  return j;
}

nlohmann::json to_json(const OpenSetQuality& q) {
  const auto number = [](double v) {
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
  };
  return {{"known", q.known},
          {"unseen", q.unseen},
          {"auroc", number(q.auroc)},
          {"fpr_at_95", number(q.fpr_at_95)},
          {"flagged_known", q.flagged_known},
          {"flagged_unseen", q.flagged_unseen}};
}

OpenSetDetector open_set_from_json(const nlohmann::json& doc, const std::string& source) {
  try {
    OpenSetDetector d;
    d.score = unknown_score_from_name(doc.at("score").get<std::string>());
    d.temperature = doc.at("temperature").get<double>();
    d.threshold = doc.at("threshold").get<double>();
    d.known_recall = doc.at("known_recall").get<double>();
    d.fit_objects = doc.at("fit_objects").get<std::int64_t>();
    d.threshold_objects = doc.at("threshold_objects").get<std::int64_t>();
    if (doc.contains("means")) {
      const auto c = static_cast<std::int64_t>(doc.at("means").size());
      d.means = matrix_from_json(doc.at("means"), c, source + ": open-set means");
      d.precision = matrix_from_json(doc.at("precision"), c, source + ": open-set precision");
      if (d.precision.isnan().any().item<bool>()) {
        throw DataError(source + ": the open-set precision matrix has missing entries");
      }
    } else if (d.score == UnknownScore::kMahalanobis) {
      throw DataError(source + ": the mahalanobis open-set record has no means");
    }
    if (!(d.temperature > 0) || !std::isfinite(d.threshold)) {
      throw DataError(source + ": open-set record needs a positive temperature and a threshold");
    }
    return d;
  } catch (const nlohmann::json::exception& e) {
    throw DataError(source + ": malformed open-set record: " + e.what());
  } catch (const ConfigError& e) {
    throw DataError(source + ": " + e.what());
  }
}

}  // namespace astrom3::eval

#include "astrom3/eval/label_evidence.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "astrom3/eval/embedding_outliers.h"
#include "astrom3/ingest/text_table.h"

namespace astrom3::eval {
namespace {
namespace F = torch::nn::functional;
constexpr double kNoEvidence = std::numeric_limits<double>::quiet_NaN();
}  // namespace

LabelEvidence label_evidence(const torch::Tensor& embeddings, const torch::Tensor& labels,
                             const torch::Tensor& present, const torch::Tensor& train,
                             std::int64_t classes, std::int64_t k, const SearchOptions& search) {
  torch::NoGradGuard no_grad;
  const auto n = embeddings.size(0);
  const auto lab = labels.to(torch::kInt64).contiguous();
  const auto has = present.to(torch::kBool);
  const auto reference = has.logical_and(train.to(torch::kBool)).logical_and(lab.ge(0));

  // Class sums of the reference objects; a train object's own class centroid excludes itself.
  // Row blocks keep the double-precision work O(block x E).
  auto sums = torch::zeros({classes, embeddings.size(1)}, torch::kFloat64);
  for_each_unit_block(embeddings, [&](std::int64_t r0, const torch::Tensor& e) {
    const auto ref = reference.narrow(0, r0, e.size(0)).nonzero().squeeze(1);
    sums.index_add_(0, lab.narrow(0, r0, e.size(0)).index_select(0, ref), e.index_select(0, ref));
  });
  const auto centroids = F::normalize(sums, F::NormalizeFuncOptions().dim(1));
  const auto empty = sums.norm(2, 1).eq(0);  // classes without reference objects
  const double neg_inf = -std::numeric_limits<double>::infinity();
  auto best = torch::empty({n}, torch::kInt64);
  auto margin = torch::empty({n}, torch::kFloat64);
  for_each_unit_block(embeddings, [&](std::int64_t r0, const torch::Tensor& e) {
    const auto rn = e.size(0);
    auto sim = torch::matmul(e, centroids.t());  // [rn, C]
    const auto y = lab.narrow(0, r0, rn).clamp_min(0);
    const auto is_ref = reference.narrow(0, r0, rn).unsqueeze(1).to(torch::kFloat64);
    const auto own_sum = sums.index_select(0, y) - e * is_ref;
    const auto own = (e * F::normalize(own_sum, F::NormalizeFuncOptions().dim(1))).sum(1);
    sim.scatter_(1, y.unsqueeze(1), own.unsqueeze(1));
    sim.masked_fill_(empty.unsqueeze(0), neg_inf);
    best.narrow(0, r0, rn).copy_(sim.argmax(1));
    sim.scatter_(1, y.unsqueeze(1), neg_inf);
    margin.narrow(0, r0, rn).copy_(std::get<0>(sim.max(1)) - own);
  });

  // k nearest reference objects of every object with the modality.
  const auto query_rows = has.nonzero().squeeze(1);
  const auto queries =
      query_rows.size(0) == n ? embeddings : embeddings.index_select(0, query_rows);
  const auto nn = find_neighbours(queries, embeddings, reference, query_rows, k, search);
  const auto idx = nn.index.contiguous();
  const auto nsim = nn.similarity.to(torch::kFloat64).contiguous();

  LabelEvidence out;
  out.centroid_prediction.assign(static_cast<std::size_t>(n), -1);
  out.centroid_margin.assign(static_cast<std::size_t>(n), kNoEvidence);
  out.knn_prediction.assign(static_cast<std::size_t>(n), -1);
  out.knn_share.assign(static_cast<std::size_t>(n), kNoEvidence);
  out.knn_own_share.assign(static_cast<std::size_t>(n), kNoEvidence);
  const auto* pl = lab.data_ptr<std::int64_t>();
  const auto* pb = best.contiguous().data_ptr<std::int64_t>();
  const auto* pm = margin.data_ptr<double>();
  const auto* pq = query_rows.contiguous().data_ptr<std::int64_t>();
  for (std::int64_t q = 0; q < query_rows.size(0); ++q) {
    const auto i = pq[q];
    if (pl[i] < 0) continue;
    out.centroid_prediction[i] = pb[i];
    out.centroid_margin[i] = pm[i];
    std::vector<double> votes(static_cast<std::size_t>(classes), 0.0);
    std::vector<double> weight(static_cast<std::size_t>(classes), 0.0);
    std::int64_t voters = 0;
    for (std::int64_t j = 0; j < k; ++j) {
      const auto r = idx.data_ptr<std::int64_t>()[q * k + j];
      if (r < 0) continue;
      votes[pl[r]] += 1.0;
      weight[pl[r]] += nsim.data_ptr<double>()[q * k + j];
      ++voters;
    }
    if (voters == 0) continue;
    std::int64_t winner = 0;
    for (std::int64_t c = 1; c < classes; ++c) {
      if (votes[c] > votes[winner] || (votes[c] == votes[winner] && weight[c] > weight[winner])) {
        winner = c;
      }
    }
    out.knn_prediction[i] = winner;
    out.knn_share[i] = votes[winner] / static_cast<double>(voters);
    out.knn_own_share[i] = votes[pl[i]] / static_cast<double>(voters);
  }
  return out;
}

ClassifierOpinion::ClassifierOpinion(std::size_t rows)
    : prediction(rows, -1), probability(rows, 0.0), label_probability(rows, 0.0) {}

std::size_t ClassifierOpinion::join(const EmbeddingTable& table,
                                    const std::vector<std::string>& ids,
                                    const torch::Tensor& probabilities,
                                    const torch::Tensor& usable) {
  if (ids.empty()) return 0;
  const auto p = probabilities.to(torch::kFloat64).contiguous();
  const auto ok = usable.to(torch::kBool).contiguous();
  const auto classes = p.size(1);
  std::size_t joined = 0;
  for (std::size_t j = 0; j < ids.size(); ++j) {
    const auto it = table.rows_by_id.find(ids[j]);
    if (it == table.rows_by_id.end() || !ok.data_ptr<bool>()[j]) continue;
    const double* row = p.data_ptr<double>() + static_cast<std::int64_t>(j) * classes;
    const auto i = static_cast<std::size_t>(it->second);
    const auto best = std::max_element(row, row + classes) - row;
    prediction[i] = best;
    probability[i] = row[best];
    label_probability[i] = table.labels[i] >= 0 ? row[table.labels[i]] : 0.0;
    ++joined;
  }
  return joined;
}

std::size_t SuspiciousLabels::methods() const {
  return 2 * spaces.size() + (classifier ? 1 : 0);
}

std::size_t SuspiciousLabels::disagreed() const {
  return static_cast<std::size_t>(std::count_if(ranking.begin(), ranking.end(),
                                                [&](std::size_t i) { return disagreeing[i] > 0; }));
}

SuspiciousLabels rank_suspicious_labels(const std::vector<std::int32_t>& labels,
                                        std::vector<std::string> spaces,
                                        std::vector<LabelEvidence> evidence,
                                        std::optional<ClassifierOpinion> classifier) {
  SuspiciousLabels r;
  r.spaces = std::move(spaces);
  r.evidence = std::move(evidence);
  r.classifier = std::move(classifier);
  const auto n = labels.size();
  r.score.assign(n, 0.0);
  r.disagreeing.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    if (labels[i] < 0) continue;
    int opinions = 0;
    for (const auto& ev : r.evidence) {
      if (ev.centroid_prediction[i] < 0) continue;
      ++opinions;
      r.disagreeing[i] += (ev.centroid_prediction[i] != labels[i]) +
                          (ev.knn_prediction[i] >= 0 && ev.knn_prediction[i] != labels[i]);
      const double knn_against = std::isnan(ev.knn_own_share[i]) ? 0.0 : 1.0 - ev.knn_own_share[i];
      r.score[i] += knn_against + ev.centroid_margin[i];
    }
    if (r.classifier && r.classifier->prediction[i] >= 0) {
      ++opinions;
      r.disagreeing[i] += r.classifier->prediction[i] != labels[i];
      r.score[i] += 1.0 - r.classifier->label_probability[i];
    }
    if (opinions == 0) continue;
    r.score[i] /= opinions;
    r.ranking.push_back(i);
  }
  std::stable_sort(r.ranking.begin(), r.ranking.end(),
                   [&](std::size_t a, std::size_t b) { return r.score[a] > r.score[b]; });
  return r;
}

void write_suspicious_labels_csv(std::ostream& out, const EmbeddingTable& table,
                                 const SuspiciousLabels& report) {
  const auto& names = table.info.class_names;
  const auto name = [&](std::int64_t c) { return c >= 0 ? names[c] : std::string(); };
  out << "rank,id,label,split,score,methods_disagreeing";
  for (const auto& m : report.spaces) {
    out << "," << m << "_centroid_prediction," << m << "_centroid_margin," << m
        << "_knn_prediction," << m << "_knn_share," << m << "_knn_label_share";
  }
  if (report.classifier) {
    out << ",classifier_prediction,classifier_probability,classifier_label_probability";
  }
  out << "\n";
  char buf[96];
  for (std::size_t r = 0; r < report.ranking.size(); ++r) {
    const auto i = report.ranking[r];
    std::snprintf(buf, sizeof buf, ",%.6f,%d", report.score[i], report.disagreeing[i]);
    out << r + 1 << "," << ingest::csv_field(table.ids[i]) << "," << table.label_name(i) << ","
        << table.split[i] << buf;
    for (const auto& ev : report.evidence) {
      if (ev.centroid_prediction[i] < 0) {
        out << ",,,,,";
        continue;
      }
      std::snprintf(buf, sizeof buf, ",%.6f,", ev.centroid_margin[i]);
      out << "," << name(ev.centroid_prediction[i]) << buf << name(ev.knn_prediction[i]);
      if (std::isnan(ev.knn_share[i])) {
        out << ",,";
      } else {
        std::snprintf(buf, sizeof buf, ",%.4f,%.4f", ev.knn_share[i], ev.knn_own_share[i]);
        out << buf;
      }
    }
    if (const auto& c = report.classifier) {
      if (c->prediction[i] < 0) {
        out << ",,,";
      } else {
        std::snprintf(buf, sizeof buf, ",%.6f,%.6f", c->probability[i], c->label_probability[i]);
        out << "," << name(c->prediction[i]) << buf;
      }
    }
    out << "\n";
  }
}

void write_suspicious_labels_summary(std::ostream& out, const EmbeddingTable& table,
                                     const SuspiciousLabels& report, std::size_t show) {
  const bool with_classifier = report.classifier.has_value();
  out << "labels that the centroid or k-NN opinion" << (with_classifier ? " or the classifier" : "")
      << " disagrees with in at least one of " << report.spaces.size()
      << " space(s): " << report.disagreed() << " of " << report.ranking.size()
      << " labelled objects; most suspicious first:\n";
  out << "rank id                     label  split  score   methods disagreeing (of "
      << report.methods() << ")\n";
  char buf[48];
  for (std::size_t r = 0; r < report.ranking.size() && r < show; ++r) {
    const auto i = report.ranking[r];
    std::snprintf(buf, sizeof buf, "%4zu ", r + 1);
    out << buf << ingest::left_justified(table.ids[i], 22) << " "
        << ingest::left_justified(table.label_name(i), 6) << " "
        << ingest::left_justified(table.split[i], 6);
    std::snprintf(buf, sizeof buf, " %6.3f  %d\n", report.score[i], report.disagreeing[i]);
    out << buf;
  }
}

}  // namespace astrom3::eval

#include "astrom3/eval/classification_metrics.h"

#include <spdlog/fmt/fmt.h>

#include "astrom3/common/error.h"

namespace astrom3::eval {

ClassificationReport classification_report(const std::vector<std::int64_t>& truth,
                                           const std::vector<std::int64_t>& predicted,
                                           const std::vector<std::string>& class_names) {
  if (truth.size() != predicted.size()) throw Error("classification_report: size mismatch");
  const std::size_t C = class_names.size();
  ClassificationReport r;
  r.class_names = class_names;
  r.confusion.assign(C, std::vector<std::int64_t>(C, 0));
  r.per_class.resize(C);
  r.objects = static_cast<std::int64_t>(truth.size());
  std::int64_t correct = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const auto t = static_cast<std::size_t>(truth[i]), p = static_cast<std::size_t>(predicted[i]);
    if (t >= C || p >= C) throw Error("classification_report: class index out of range");
    ++r.confusion[t][p];
    ++r.per_class[t].support;
    ++r.per_class[p].predicted;
    correct += t == p;
  }
  r.accuracy = r.objects > 0 ? static_cast<double>(correct) / static_cast<double>(r.objects) : 0;
  double recall_sum = 0, f1_sum = 0;
  int recall_classes = 0, f1_classes = 0;
  for (std::size_t c = 0; c < C; ++c) {
    auto& m = r.per_class[c];
    const double tp = static_cast<double>(r.confusion[c][c]);
    m.precision = m.predicted > 0 ? tp / static_cast<double>(m.predicted) : 0.0;
    m.recall = m.support > 0 ? tp / static_cast<double>(m.support) : 0.0;
    m.f1 = m.precision + m.recall > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall) : 0.0;
    if (m.support > 0) {
      recall_sum += m.recall;
      ++recall_classes;
    }
    if (m.support > 0 || m.predicted > 0) {
      f1_sum += m.f1;
      ++f1_classes;
    }
  }
  r.balanced_accuracy = recall_classes > 0 ? recall_sum / recall_classes : 0;
  r.macro_f1 = f1_classes > 0 ? f1_sum / f1_classes : 0;
  return r;
}

nlohmann::json to_json(const ClassificationReport& r) {
  nlohmann::json classes = nlohmann::json::object();
  for (std::size_t c = 0; c < r.class_names.size(); ++c) {
    const auto& m = r.per_class[c];
    classes[r.class_names[c]] = {
        {"precision", m.precision}, {"recall", m.recall}, {"f1", m.f1}, {"support", m.support}};
  }
  return {{"objects", r.objects},
          {"accuracy", r.accuracy},
          {"balanced_accuracy", r.balanced_accuracy},
          {"macro_f1", r.macro_f1},
          {"per_class", classes},
          {"class_names", r.class_names},
          {"confusion", r.confusion}};
}

std::string confusion_csv(const ClassificationReport& r) {
  std::string out = "true\\predicted";
  for (const auto& name : r.class_names) out += "," + name;
  out += "\n";
  for (std::size_t t = 0; t < r.class_names.size(); ++t) {
    out += r.class_names[t];
    for (auto n : r.confusion[t]) out += "," + std::to_string(n);
    out += "\n";
  }
  for (std::size_t t = 0; t < r.class_names.size(); ++t) {
    out += r.class_names[t] + " (fraction)";
    const double support = static_cast<double>(r.per_class[t].support);
    for (auto n : r.confusion[t]) {
      out += fmt::format(",{:.4f}", support > 0 ? static_cast<double>(n) / support : 0.0);
    }
    out += "\n";
  }
  return out;
}

std::string format_report(const ClassificationReport& r) {
  std::string out = fmt::format("{:<8} {:>9} {:>9} {:>9} {:>9}\n", "class", "precision", "recall",
                                "f1", "support");
  for (std::size_t c = 0; c < r.class_names.size(); ++c) {
    const auto& m = r.per_class[c];
    out += fmt::format("{:<8} {:>9.4f} {:>9.4f} {:>9.4f} {:>9}\n", r.class_names[c], m.precision,
                       m.recall, m.f1, m.support);
  }
  out +=
      fmt::format("accuracy {:.4f}   balanced accuracy {:.4f}   macro-F1 {:.4f}   ({} objects)\n",
                  r.accuracy, r.balanced_accuracy, r.macro_f1, r.objects);
  return out;
}

}  // namespace astrom3::eval

// Classification metrics of a set of predictions, as scikit-learn defines them: accuracy,
// balanced accuracy (mean recall over the classes present in the truth), per-class precision,
// recall, F1 and support (a class never predicted has precision 0), macro-F1 (mean F1 over the
// classes present in the truth or the predictions), and the confusion matrix.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace astrom3::eval {

struct ClassMetrics {
  double precision = 0, recall = 0, f1 = 0;
  std::int64_t support = 0;    // true objects of the class
  std::int64_t predicted = 0;  // objects predicted as the class
};

struct ClassificationReport {
  std::vector<std::string> class_names;
  std::vector<std::vector<std::int64_t>> confusion;  // [true class][predicted class]
  std::vector<ClassMetrics> per_class;
  std::int64_t objects = 0;
  double accuracy = 0, balanced_accuracy = 0, macro_f1 = 0;
};

/// `truth` and `predicted` hold class indices into `class_names`, one per object.
ClassificationReport classification_report(const std::vector<std::int64_t>& truth,
                                           const std::vector<std::int64_t>& predicted,
                                           const std::vector<std::string>& class_names);

nlohmann::json to_json(const ClassificationReport& report);
/// The confusion matrix as CSV: header "true\\predicted,<classes>", then one row of counts per
/// true class, then the row-normalised matrix (rows "<class> (fraction)").
std::string confusion_csv(const ClassificationReport& report);
/// A readable per-class table with the summary lines.
std::string format_report(const ClassificationReport& report);

}  // namespace astrom3::eval

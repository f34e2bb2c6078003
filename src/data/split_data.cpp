#include "astrom3/data/split_data.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "astrom3/common/error.h"
#include "astrom3/data/schema.h"
#include "astrom3/data/splits.h"
#include "astrom3/data/survey_io.h"

namespace astrom3::data {

SplitData load_split_data(const DataOptions& options, int threads, const SplitLoadOptions& load) {
  SplitData d;
  d.survey = std::make_shared<const Survey>(read_survey(options.path));
  const SplitSet& set = d.survey->split_set(options.split_set);
  d.split_set = options.split_set;
  d.split_hash = split_membership_hash(*d.survey, set);
  d.normalization = set.normalization;
  d.normalization_source = "split set " + options.split_set;
  if (load.normalization) {
    const auto& n = *load.normalization;
    if (n.mean.size() != kNumNormCols || n.std.size() != kNumNormCols) {
      throw DataError(load.normalization_source + ": normalization statistics have " +
                      std::to_string(n.mean.size()) + " means and " + std::to_string(n.std.size()) +
                      " stds, expected " + std::to_string(kNumNormCols) + " each");
    }
    d.normalization = n;
    d.normalization_source = load.normalization_source;
  }
  auto store = [&](const std::vector<std::int64_t>& rows) {
    return std::make_shared<const SampleStore>(d.survey, rows, d.normalization, options, threads);
  };
  auto train = set.train, val = set.val, test = set.test;
  if (load.with_unlabeled) {
    train.insert(train.end(), set.unlabeled.begin(), set.unlabeled.end());
    std::sort(train.begin(), train.end());
  }
  if (load.select) load.select(train, val, test);
  if (load.with_unlabeled) {
    d.unlabeled_in_train = std::count_if(train.begin(), train.end(), [&](std::int64_t r) {
      return d.survey->labels[static_cast<std::size_t>(r)] < 0;
    });
  }
  d.train = store(train);
  d.val = store(val);
  d.test = store(test);
  for (const auto* s : {d.train.get(), d.val.get(), d.test.get()}) {
    const auto& r = s->rejections();
    if (r.photometry > 0 || r.spectra > 0) {
      spdlog::warn("[data] {} light curves and {} spectra rejected by preprocessing (first: {} {})",
                   r.photometry, r.spectra, r.first_photometry_reason, r.first_spectra_reason);
    }
  }
  const std::string unlabeled =
      load.with_unlabeled ? " (" + std::to_string(d.unlabeled_in_train) + " of them unlabeled)"
                          : "";
  spdlog::info(
      "[data] {}: split set {} with {} train{}, {} val, {} test objects; normalization "
      "statistics of {}",
      options.path, options.split_set, d.train->size(), unlabeled, d.val->size(), d.test->size(),
      d.normalization_source);
  return d;
}

}  // namespace astrom3::data

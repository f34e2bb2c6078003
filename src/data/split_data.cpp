#include "astrom3/data/split_data.h"

#include <spdlog/spdlog.h>

#include "astrom3/data/splits.h"
#include "astrom3/data/survey_io.h"

namespace astrom3::data {

SplitData load_split_data(const DataOptions& options, int threads, const SplitRowSelector& select) {
  SplitData d;
  d.survey = std::make_shared<const Survey>(read_survey(options.path));
  const SplitSet& set = d.survey->split_set(options.split_set);
  d.split_set = options.split_set;
  d.split_hash = split_membership_hash(*d.survey, set);
  d.normalization = set.normalization;
  auto store = [&](const std::vector<std::int64_t>& rows) {
    return std::make_shared<const SampleStore>(d.survey, rows, set.normalization, options, threads);
  };
  auto train = set.train, val = set.val, test = set.test;
  if (select) select(train, val, test);
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
  spdlog::info("[data] {}: split set {} with {} train, {} val, {} test objects", options.path,
               options.split_set, d.train->size(), d.val->size(), d.test->size());
  return d;
}

}  // namespace astrom3::data

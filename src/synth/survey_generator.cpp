#include "astrom3/synth/survey_generator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "astrom3/common/error.h"
#include "astrom3/common/parallel.h"
#include "astrom3/common/rng.h"
#include "astrom3/common/version.h"
#include "astrom3/data/schema.h"
#include "astrom3/data/splits.h"
#include "astrom3/synth/lightcurve_model.h"
#include "astrom3/synth/spectrum_model.h"
#include "astrom3/synth/star_model.h"

namespace astrom3::synth {

std::vector<std::int64_t> class_counts(const SynthOptions& options, std::int64_t total) {
  std::vector<double> w(data::kNumClasses);
  for (int k = 0; k < data::kNumClasses; ++k) {
    if (options.class_weights.empty()) {
      w[k] = data::kPaperClassTotals[k];
    } else {
      auto it = options.class_weights.find(data::kClassNames[k]);
      w[k] = it == options.class_weights.end() ? 0.0 : it->second;
    }
  }
  const double sum = std::accumulate(w.begin(), w.end(), 0.0);
  if (!(sum > 0.0)) throw ConfigError("synth.class_weights: at least one weight must be > 0");
  std::vector<std::int64_t> counts(data::kNumClasses);
  std::vector<std::pair<double, int>> remainders;
  std::int64_t assigned = 0;
  for (int k = 0; k < data::kNumClasses; ++k) {
    const double exact = total * w[k] / sum;
    counts[k] = static_cast<std::int64_t>(std::floor(exact));
    assigned += counts[k];
    remainders.push_back({exact - counts[k], -k});
  }
  std::sort(remainders.rbegin(), remainders.rend());
  for (std::int64_t i = 0; i < total - assigned; ++i) counts[-remainders[i].second] += 1;
  return counts;
}

namespace {

data::SurveyBuilder::Object make_object(std::int64_t index, int label, bool labelled,
                                        std::uint64_t seed) {
  Rng rng(derive_seed(seed, {static_cast<std::uint64_t>(index)}));
  const Star star = draw_star(label, rng);
  const RawLightCurve lc = simulate_lightcurve(star, rng);
  const RawSpectrum spec = simulate_spectrum(star, rng);

  data::SurveyBuilder::Object o;
  char id[32];
  std::snprintf(id, sizeof id, "SYN-%07lld", static_cast<long long>(index));
  o.id = id;
  o.label = labelled ? label : -1;
  o.time = lc.time;
  o.flux = lc.flux;
  o.flux_err = lc.flux_err;
  o.photo_features = catalogue_features(star, lc.median_error_mag / star.amplitude_mag, rng);
  o.wavelength = spec.wavelength;
  o.spec_flux = spec.flux;
  o.ivar = spec.ivar;
  o.meta = catalogue_metadata(star, rng);
  return o;
}

}  // namespace

data::Survey generate_survey(const SynthOptions& options, int threads) {
  if (options.objects < 0 || options.unlabeled < 0) {
    throw ConfigError("synth.objects and synth.unlabeled must be non-negative");
  }
  const std::int64_t total = options.objects + options.unlabeled;
  // Labels: exact class counts, in an order shuffled by the seed. Unlabelled objects draw
  // their hidden class from the same mix.
  std::vector<int> labels;
  const auto counts = class_counts(options, options.objects);
  for (int k = 0; k < data::kNumClasses; ++k) labels.insert(labels.end(), counts[k], k);
  const auto hidden = class_counts(options, options.unlabeled);
  for (int k = 0; k < data::kNumClasses; ++k) labels.insert(labels.end(), hidden[k], k);
  Rng order_rng(derive_seed(options.seed, {0xC1A55}));
  std::vector<int> labelled_part(labels.begin(), labels.begin() + options.objects);
  std::vector<int> unlabelled_part(labels.begin() + options.objects, labels.end());
  order_rng.shuffle(labelled_part);
  order_rng.shuffle(unlabelled_part);

  std::vector<data::SurveyBuilder::Object> objects(static_cast<std::size_t>(total));
  parallel_for(total, threads, [&](int, std::int64_t i) {
    const bool labelled = i < options.objects;
    const int label = labelled ? labelled_part[i] : unlabelled_part[i - options.objects];
    objects[i] = make_object(i, label, labelled, options.seed);
  });

  data::SurveyBuilder builder({data::kClassNames.begin(), data::kClassNames.end()});
  for (auto& o : objects) {
    builder.add(o);
    o = {};  // release memory as we go
  }
  data::Survey survey = builder.finish();
  survey.split_sets = data::make_standard_split_sets(survey);
  survey.provenance["generator"] = std::string("astrom3 synth ") + kVersion;
  survey.provenance["seed"] = std::to_string(options.seed);
  return survey;
}

}  // namespace astrom3::synth

#include "astrom3/synth/survey_generator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include <fmt/format.h>

#include "astrom3/common/error.h"
#include "astrom3/common/parallel.h"
#include "astrom3/common/physical_memory.h"
#include "astrom3/common/rng.h"
#include "astrom3/common/version.h"
#include "astrom3/data/normalization.h"
#include "astrom3/data/schema.h"
#include "astrom3/data/splits.h"
#include "astrom3/synth/catalogue_features.h"
#include "astrom3/synth/lightcurve_model.h"
#include "astrom3/synth/spectrum_model.h"
#include "astrom3/synth/star_model.h"

namespace astrom3::synth {

namespace {

// Largest-remainder rounding of `total * weight / sum(weights)`; ties go to the lower index.
std::vector<std::int64_t> apportion(const std::vector<double>& w, std::int64_t total,
                                    const char* key) {
  const double sum = std::accumulate(w.begin(), w.end(), 0.0);
  if (!(sum > 0.0)) throw ConfigError(std::string(key) + ": at least one weight must be > 0");
  std::vector<std::int64_t> counts(w.size());
  std::vector<std::pair<double, int>> remainders;
  std::int64_t assigned = 0;
  for (std::size_t k = 0; k < w.size(); ++k) {
    const double exact = total * w[k] / sum;
    counts[k] = static_cast<std::int64_t>(std::floor(exact));
    assigned += counts[k];
    remainders.push_back({exact - counts[k], -static_cast<int>(k)});
  }
  std::sort(remainders.rbegin(), remainders.rend());
  for (std::int64_t i = 0; i < total - assigned; ++i) counts[-remainders[i].second] += 1;
  return counts;
}

// Weights by name; `defaults` when `named` is empty, else 0 for the names it lacks.
std::vector<double> weights_of(const std::map<std::string, double>& named,
                               const std::vector<std::string>& names,
                               const std::vector<double>& defaults) {
  if (named.empty()) return defaults;
  std::vector<double> w;
  for (const auto& name : names) {
    const auto it = named.find(name);
    w.push_back(it == named.end() ? 0.0 : it->second);
  }
  return w;
}

}  // namespace

std::vector<std::int64_t> class_counts(const SynthOptions& options, std::int64_t total) {
  return apportion(
      weights_of(options.class_weights, {data::kClassNames.begin(), data::kClassNames.end()},
                 {data::kPaperClassTotals.begin(), data::kPaperClassTotals.end()}),
      total, "synth.class_weights");
}

std::vector<std::int64_t> unseen_class_counts(const SynthOptions& options, std::int64_t total) {
  return apportion(
      weights_of(options.unseen_class_weights, {kUnseenClassNames.begin(), kUnseenClassNames.end()},
                 std::vector<double>(kNumUnseenClasses, 1.0)),
      total, "synth.unseen_class_weights");
}

namespace {

data::SurveyBuilder::Object make_object(std::int64_t index, int label, bool labelled,
                                        const SynthOptions& options, PlantedTruth& truth) {
  Rng rng(derive_seed(options.seed, {static_cast<std::uint64_t>(index)}));
  const int version = options.version;
  const Star star = draw_star(label, rng, options.carbon_mira_fraction, version);
  RawLightCurve lc = simulate_lightcurve(star, rng, version);
  RawSpectrum spec = simulate_spectrum(star, rng, version);
  // Planting has its own stream: without planted cases the object is unchanged.
  Rng plant(derive_seed(options.seed, {static_cast<std::uint64_t>(index), 0x9A17ED}));
  truth.true_label = label;
  truth.subpopulation = subpopulation_of(star);
  truth.mislabelled = labelled && plant.bernoulli(options.mislabel_fraction);
  truth.oddball = label == data::class_index(options.oddball_class) &&
                  plant.bernoulli(options.oddball_fraction);

  data::SurveyBuilder::Object o;
  char id[32];
  std::snprintf(id, sizeof id, "SYN-%07lld", static_cast<long long>(index));
  o.id = id;
  o.label = labelled ? label : -1;
  if (truth.mislabelled) {
    // Any other class, uniformly.
    const auto other = plant.integer(0, data::kNumClasses - 2);
    o.label = static_cast<int>(other >= label ? other + 1 : other);
  }
  if (version >= 2) {
    // Measured on the light curve as observed, an oddball's extra pulsation included.
    o.meta = catalogue_metadata(star, rng, version);
    if (truth.oddball) plant_oddball(lc, spec, o.meta, plant);
    o.photo_features = measured_catalogue_features(star, lc, rng);
  } else {
    o.photo_features = catalogue_features(star, lc.median_error_mag / star.amplitude_mag, rng);
    o.meta = catalogue_metadata(star, rng, version);
    if (truth.oddball) plant_oddball(lc, spec, o.meta, plant);
  }
  o.time = std::move(lc.time);
  o.flux = std::move(lc.flux);
  o.flux_err = std::move(lc.flux_err);
  o.wavelength = std::move(spec.wavelength);
  o.spec_flux = std::move(spec.flux);
  o.ivar = std::move(spec.ivar);
  return o;
}

}  // namespace

data::Survey generate_survey(const SynthOptions& options, int threads,
                             std::vector<PlantedTruth>* truth) {
  if (options.objects < 0 || options.unlabeled < 0) {
    throw ConfigError("synth.objects and synth.unlabeled must be non-negative");
  }
  if (data::class_index(options.oddball_class) < 0) {
    throw ConfigError("synth.oddball_class: '" + options.oddball_class + "' is not a class");
  }
  if (options.unseen < 0) throw ConfigError("synth.unseen must be non-negative");
  if (options.version < kFirstSynthVersion || options.version > kLatestSynthVersion) {
    throw ConfigError(fmt::format("synth.version: {} is not a survey version (1 to {})",
                                  options.version, kLatestSynthVersion));
  }
  const std::int64_t known = options.objects + options.unlabeled;
  const std::int64_t total = known + options.unseen;
  // The survey is built in memory: about 112 kB per object at the peak (measured with 1,000 and
  // 4,000 objects). Refusing what cannot fit beats an allocator failure or the OOM killer.
  constexpr double kBytesPerObject = 115e3;
  const double memory = static_cast<double>(physical_memory_bytes());
  if (memory > 0 && static_cast<double>(total) * kBytesPerObject > memory) {
    throw ConfigError(fmt::format(
        "synth.objects + synth.unlabeled + synth.unseen = {} objects need about {:.0f} GiB of "
        "memory (the survey is built in memory, about 115 kB per object); this machine has "
        "{:.0f} GiB. Generate several smaller surveys with different seeds",
        total, static_cast<double>(total) * kBytesPerObject / (1 << 30), memory / (1 << 30)));
  }
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
  // Unseen objects come last, so that adding them changes no other object.
  std::vector<int> unseen_part;
  const auto unseen = unseen_class_counts(options, options.unseen);
  for (int k = 0; k < kNumUnseenClasses; ++k) {
    unseen_part.insert(unseen_part.end(), unseen[k], data::kNumClasses + k);
  }
  Rng(derive_seed(options.seed, {0x0053E7})).shuffle(unseen_part);

  std::vector<data::SurveyBuilder::Object> objects(static_cast<std::size_t>(total));
  std::vector<PlantedTruth> planted(static_cast<std::size_t>(total));
  parallel_for(total, threads, [&](int, std::int64_t i) {
    const bool labelled = i < options.objects;
    const int label = labelled    ? labelled_part[i]
                      : i < known ? unlabelled_part[i - options.objects]
                                  : unseen_part[i - known];
    objects[i] = make_object(i, label, labelled, options, planted[i]);
  });

  data::SurveyBuilder builder({data::kClassNames.begin(), data::kClassNames.end()});
  for (auto& o : objects) {
    builder.add(o);
    o = {};  // release memory as we go
  }
  data::Survey survey = builder.finish();
  survey.split_sets = data::make_standard_split_sets(survey);
  if (options.unseen > 0) {
    // Unseen objects are unlabelled, so the standard sets list them as such: move them to
    // `unseen`, out of pre-training's reach and out of the normalization statistics.
    std::vector<std::int64_t> rows(static_cast<std::size_t>(options.unseen));
    std::iota(rows.begin(), rows.end(), known);
    for (auto& [name, set] : survey.split_sets) {
      set.unlabeled.erase(std::remove_if(set.unlabeled.begin(), set.unlabeled.end(),
                                         [&](std::int64_t r) { return r >= known; }),
                          set.unlabeled.end());
      set.unseen = rows;
      set.normalization = data::fit_split_normalization(survey, set);
    }
  }
  survey.provenance["generator"] = std::string("astrom3 synth ") + kVersion;
  survey.provenance["seed"] = std::to_string(options.seed);
  survey.provenance["synth_version"] = std::to_string(options.version);
  if (truth) *truth = std::move(planted);
  return survey;
}

}  // namespace astrom3::synth

#include "astrom3/data/splits.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "astrom3/common/error.h"
#include "astrom3/common/rng.h"
#include "astrom3/data/normalization.h"
#include "astrom3/data/schema.h"

namespace astrom3::data {

std::int64_t water_filling_cap(const std::vector<std::int64_t>& class_counts, std::int64_t target) {
  const std::int64_t largest =
      class_counts.empty() ? 0 : *std::max_element(class_counts.begin(), class_counts.end());
  auto total = [&](std::int64_t cap) {
    std::int64_t s = 0;
    for (auto c : class_counts) s += std::min(c, cap);
    return s;
  };
  std::int64_t lo = 0, hi = largest;  // total(lo) <= target always holds
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo + 1) / 2;
    if (total(mid) <= target) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

std::vector<std::int64_t> capped_subset(const std::vector<std::int64_t>& rows,
                                        const std::vector<std::int32_t>& labels, int num_classes,
                                        int factor, std::uint64_t seed) {
  std::vector<std::vector<std::int64_t>> by_class(static_cast<std::size_t>(num_classes));
  for (auto r : rows) by_class[labels[r]].push_back(r);
  std::vector<std::int64_t> counts;
  for (const auto& c : by_class) counts.push_back(static_cast<std::int64_t>(c.size()));
  const std::int64_t cap =
      water_filling_cap(counts, static_cast<std::int64_t>(rows.size()) / factor);
  std::vector<std::int64_t> out;
  for (int k = 0; k < num_classes; ++k) {
    auto members = by_class[k];
    if (static_cast<std::int64_t>(members.size()) > cap) {
      Rng rng(derive_seed(seed, {static_cast<std::uint64_t>(k)}));
      rng.shuffle(members);
      members.resize(static_cast<std::size_t>(cap));
    }
    out.insert(out.end(), members.begin(), members.end());
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

struct ThreeWay {
  std::vector<std::int64_t> train, val, test;
};

ThreeWay cut(const std::vector<std::int64_t>& order, std::size_t n_train, std::size_t n_val) {
  ThreeWay s;
  s.train.assign(order.begin(), order.begin() + n_train);
  s.val.assign(order.begin() + n_train, order.begin() + n_train + n_val);
  s.test.assign(order.begin() + n_train + n_val, order.end());
  for (auto* v : {&s.train, &s.val, &s.test}) std::sort(v->begin(), v->end());
  return s;
}

}  // namespace

std::map<std::string, SplitSet> make_standard_split_sets(const Survey& survey) {
  std::vector<std::int64_t> labelled, unlabelled;
  for (std::int64_t i = 0; i < survey.size(); ++i) {
    (survey.labels[i] >= 0 ? labelled : unlabelled).push_back(i);
  }
  const std::size_t n = labelled.size();
  const auto sizes = random_split_sizes(static_cast<std::int64_t>(n), 0.1, 0.1);
  const auto n_train = static_cast<std::size_t>(sizes.train);
  const auto n_val = static_cast<std::size_t>(sizes.val);

  // Seed 42: a random permutation of the labelled objects, cut 80/10/10.
  std::vector<std::int64_t> order = labelled;
  Rng(derive_seed(42, {0x5B117})).shuffle(order);
  const ThreeWay base = cut(order, n_train, n_val);

  std::map<std::string, SplitSet> sets;
  const int num_classes = static_cast<int>(survey.class_names.size());
  for (int seed : kSplitSeeds) {
    ThreeWay full = base;
    if (seed != 42) {
      std::vector<std::int64_t> pooled = base.train;
      pooled.insert(pooled.end(), base.val.begin(), base.val.end());
      pooled.insert(pooled.end(), base.test.begin(), base.test.end());
      Rng(derive_seed(static_cast<std::uint64_t>(seed), {0x5B117})).shuffle(pooled);
      full = cut(pooled, n_train, n_val);
    }
    for (const auto& subset : kSubsets) {
      SplitSet set;
      set.subset = subset.name;
      set.seed = seed;
      if (subset.factor == 1) {
        set.train = full.train;
        set.val = full.val;
        set.test = full.test;
        set.unlabeled = unlabelled;
      } else {
        const auto key = [&](std::uint64_t part) {
          return derive_seed(static_cast<std::uint64_t>(seed),
                             {static_cast<std::uint64_t>(subset.factor), part});
        };
        set.train = capped_subset(full.train, survey.labels, num_classes, subset.factor, key(0));
        set.val = capped_subset(full.val, survey.labels, num_classes, subset.factor, key(1));
        set.test = capped_subset(full.test, survey.labels, num_classes, subset.factor, key(2));
      }
      set.normalization = fit_split_normalization(survey, set);
      sets.emplace(split_set_name(subset.name, seed), std::move(set));
    }
  }
  return sets;
}

SplitSizes random_split_sizes(std::int64_t n, double val_fraction, double test_fraction) {
  // The epsilon keeps ceil(0.2 * 10) at 2 despite binary rounding of the fractions.
  const auto ceil_of = [](double x) { return static_cast<std::int64_t>(std::ceil(x - 1e-9)); };
  const double held_fraction = val_fraction + test_fraction;
  SplitSizes s;
  const std::int64_t held = held_fraction > 0 ? ceil_of(held_fraction * n) : 0;
  s.test = held > 0 ? ceil_of(test_fraction / held_fraction * held) : 0;
  s.val = held - s.test;
  s.train = n - held;
  return s;
}

SplitSet make_random_split_set(const Survey& survey, const RandomSplitOptions& options) {
  const double v = options.val_fraction, t = options.test_fraction;
  if (!(v >= 0 && t >= 0 && v + t < 1)) {
    throw ConfigError("split fractions: val and test must be >= 0 and sum to less than 1");
  }
  const int num_classes = static_cast<int>(survey.class_names.size());
  std::vector<std::vector<std::int64_t>> groups(options.stratified ? num_classes : 1);
  SplitSet set;
  set.subset = "full";
  set.seed = static_cast<int>(options.seed);
  for (std::int64_t i = 0; i < survey.size(); ++i) {
    if (survey.labels[i] < 0) {
      set.unlabeled.push_back(i);
    } else {
      groups[options.stratified ? survey.labels[i] : 0].push_back(i);
    }
  }
  for (std::size_t g = 0; g < groups.size(); ++g) {
    auto& order = groups[g];
    Rng(derive_seed(options.seed, {0x5B117, g})).shuffle(order);
    const auto sizes = random_split_sizes(static_cast<std::int64_t>(order.size()), v, t);
    const ThreeWay part =
        cut(order, static_cast<std::size_t>(sizes.train), static_cast<std::size_t>(sizes.val));
    set.train.insert(set.train.end(), part.train.begin(), part.train.end());
    set.val.insert(set.val.end(), part.val.begin(), part.val.end());
    set.test.insert(set.test.end(), part.test.begin(), part.test.end());
  }
  for (auto* rows : {&set.train, &set.val, &set.test}) std::sort(rows->begin(), rows->end());
  set.normalization = fit_split_normalization(survey, set);
  return set;
}

std::string split_membership_hash(const Survey& survey, const SplitSet& set) {
  std::uint64_t h = 1469598103934665603ULL;
  auto feed = [&](const std::string& text) {
    for (unsigned char c : text) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= 0xff;  // separator that no id byte sequence can fake at this position
    h *= 1099511628211ULL;
  };
  const std::pair<const char*, const std::vector<std::int64_t>*> parts[] = {
      {"train", &set.train}, {"val", &set.val}, {"test", &set.test}};
  for (const auto& [name, rows] : parts) {
    feed(name);
    for (auto r : *rows) feed(survey.ids.at(static_cast<std::size_t>(r)));
  }
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(h));
  return text;
}

}  // namespace astrom3::data

// Portable, seedable random numbers. The C++ standard leaves the output of
// std::uniform_int_distribution, std::normal_distribution and std::shuffle to the library
// implementation; astrom3 promises the same numbers for the same seed everywhere, so every
// random draw goes through this generator instead.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace astrom3 {

/// SplitMix64 finaliser: a bijective 64-bit mix used to derive independent streams.
std::uint64_t mix64(std::uint64_t x);

/// Derives a stream seed from a base seed and any number of keys (epoch, object index, ...).
std::uint64_t derive_seed(std::uint64_t seed, std::initializer_list<std::uint64_t> keys);

/// xoshiro256** generator with portable distributions.
class Rng {
 public:
  explicit Rng(std::uint64_t seed);

  std::uint64_t next_u64();
  /// Uniform in [0, 1) with 53 random bits.
  double uniform();
  double uniform(double lo, double hi);
  /// Uniform integer in [lo, hi] (inclusive), unbiased (Lemire's method with rejection).
  std::int64_t integer(std::int64_t lo, std::int64_t hi);
  /// Standard normal (Box-Muller; the second value is cached).
  double normal();
  double normal(double mean, double sd);
  /// Log-normal whose logarithm (natural) has the given mean and sd.
  double lognormal(double log_mean, double log_sd);
  bool bernoulli(double p);
  /// Index drawn with probability proportional to weights (weights >= 0, not all zero).
  std::size_t categorical(const std::vector<double>& weights);
  /// Fisher-Yates shuffle.
  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) {
      const auto j = static_cast<std::size_t>(integer(0, static_cast<std::int64_t>(i) - 1));
      std::swap(v[i - 1], v[j]);
    }
  }

 private:
  std::uint64_t s_[4];
  bool has_cached_normal_ = false;
  double cached_normal_ = 0.0;
};

/// A random permutation of 0..n-1.
std::vector<std::int64_t> permutation(std::int64_t n, std::uint64_t seed);

}  // namespace astrom3

// A GoogleTest fixture for tests that draw random numbers.
#pragma once

#include <cstdint>

#include <gtest/gtest.h>

#include "astrom3/common/rng.h"

namespace astrom3::test {

/// Before every test, LibTorch's default CPU generator and `rng` start from kDefaultSeed, so a
/// test's random inputs never depend on which tests ran before it in the same process (a
/// filtered or shuffled run gives the same numbers). A test that wants other draws calls
/// seed(n) first. Use it by naming the suite after a subclass:
///   class IvfIndex : public test::SeededTest {};
///   TEST_F(IvfIndex, ...) { seed(5); auto x = torch::randn({8, 4}); ... }
class SeededTest : public ::testing::Test {
 public:
  static constexpr std::uint64_t kDefaultSeed = 0;

 protected:
  void SetUp() override { seed(kDefaultSeed); }
  /// Re-seeds both generators.
  void seed(std::uint64_t value);

  Rng rng{kDefaultSeed};
};

}  // namespace astrom3::test

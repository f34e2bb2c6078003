#include "support/seeded_test.h"

#include <torch/torch.h>

namespace astrom3::test {

void SeededTest::seed(std::uint64_t value) {
  torch::manual_seed(value);
  rng = Rng(value);
}

}  // namespace astrom3::test

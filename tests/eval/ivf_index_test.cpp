#include <gtest/gtest.h>
#include <torch/torch.h>

#include <numeric>

#include "astrom3/common/error.h"
#include "astrom3/eval/ivf_index.h"
#include "astrom3/eval/neighbour_search.h"
#include "astrom3/eval/similarity_search.h"
#include "support/seeded_test.h"

namespace astrom3::eval {
namespace {

void expect_same(const Neighbours& got, const Neighbours& want) {
  ASSERT_EQ(got.index.sizes(), want.index.sizes());
  EXPECT_TRUE(torch::equal(got.index, want.index));
  EXPECT_TRUE(torch::allclose(got.similarity.masked_fill(want.index.lt(0), 0),
                              want.similarity.masked_fill(want.index.lt(0), 0), 1e-5, 1e-6));
}

torch::Tensor iota_rows(std::int64_t n) {
  std::vector<std::int64_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  return torch::tensor(v);
}

TEST(IvfIndex, ProbingEveryCellIsExactSearch) {
  torch::manual_seed(5);
  const auto c = torch::randn({400, 16});
  const auto mask = torch::rand({400}).gt(0.25);
  const auto q = c.narrow(0, 0, 50) + 0.2 * torch::randn({50, 16});
  const auto self = iota_rows(50);
  NeighbourOptions exact;
  exact.k = 6;
  const auto want = top_k_cosine(q, c, mask, self, exact);
  for (std::int64_t block : {16384, 7}) {
    IvfOptions o;
    o.lists = 9;
    o.probes = 9;
    o.query_block = block;
    const IvfIndex index(c, mask, o);
    const auto sizes = index.list_sizes();
    // Every masked-in candidate is in exactly one cell.
    EXPECT_EQ(std::accumulate(sizes.begin(), sizes.end(), std::int64_t{0}),
              mask.sum().item<std::int64_t>());
    expect_same(index.search(q, self, 6), want);
  }
}

TEST(IvfIndex, OneProbeFindsTheNeighboursInsideSeparatedClusters) {
  // 12 tight clusters of 30 around random directions in 24-d: k-means with 12 cells recovers
  // them, every true neighbour of a member is in its own cell, and one probe is exact.
  torch::manual_seed(8);
  const auto centres = torch::randn({12, 24});
  const auto c = centres.repeat_interleave(30, 0) + 0.05 * torch::randn({360, 24});
  const auto mask = torch::ones({360}, torch::kBool);
  const auto self = iota_rows(360);
  NeighbourOptions exact;
  exact.k = 5;
  IvfOptions o;
  o.lists = 12;
  o.probes = 1;
  o.seed = 3;
  const IvfIndex index(c, mask, o);
  for (auto s : index.list_sizes()) EXPECT_EQ(s, 30);
  expect_same(index.search(c, self, 5), top_k_cosine(c, c, mask, self, exact));
}

TEST(IvfIndex, PadsWhenTooFewCandidatesAndChecksOptions) {
  const auto c = torch::eye(3);
  const auto mask = torch::tensor({true, false, true});
  IvfOptions o;
  o.probes = 5;  // more than the cells: clamped
  const IvfIndex index(c, mask, o);
  EXPECT_EQ(index.probes(), index.lists());
  const auto got = index.search(c.narrow(0, 0, 1), torch::tensor({std::int64_t{0}}), 3);
  EXPECT_EQ(got.index[0][0].item<std::int64_t>(), 2);
  EXPECT_EQ(got.index[0][1].item<std::int64_t>(), -1);
  EXPECT_TRUE(std::isinf(got.similarity[0][2].item<float>()));
  o.probes = 0;
  EXPECT_THROW(IvfIndex(c, mask, o), ConfigError);
}

class NeighbourSearch : public test::SeededTest {};

TEST_F(NeighbourSearch, DispatchesOnTheIndexKind) {
  EXPECT_EQ(parse_index_kind("exact"), IndexKind::kExact);
  EXPECT_EQ(parse_index_kind("ivf"), IndexKind::kIvf);
  EXPECT_THROW(parse_index_kind("hnsw"), ConfigError);
  seed(2);
  const auto c = torch::randn({80, 8});
  const auto mask = torch::ones({80}, torch::kBool);
  const auto self = iota_rows(80);
  SearchOptions all_cells;
  all_cells.index = IndexKind::kIvf;
  all_cells.ivf.lists = 4;
  all_cells.ivf.probes = 4;
  expect_same(find_neighbours(c, c, mask, self, 4, all_cells),
              find_neighbours(c, c, mask, self, 4, SearchOptions{}));
}

}  // namespace
}  // namespace astrom3::eval

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "astrom3/eval/classification_metrics.h"
#include "astrom3/eval/embedding_probes.h"
#include "astrom3/eval/retrieval.h"

namespace astrom3::eval {
namespace {

TEST(ClassificationMetrics, MatchHandComputedValues) {
  // Three classes; truth/predictions chosen so every quantity is easy to verify by hand.
  //   A: 3 objects, predicted A, A, B      B: 2 objects, predicted B, C      C: 0 objects
  const std::vector<std::int64_t> truth = {0, 0, 0, 1, 1};
  const std::vector<std::int64_t> pred = {0, 0, 1, 1, 2};
  const auto r = classification_report(truth, pred, {"A", "B", "C"});
  EXPECT_DOUBLE_EQ(r.accuracy, 3.0 / 5.0);
  // Recall A = 2/3, B = 1/2; C has no support and is left out of the balanced accuracy.
  EXPECT_DOUBLE_EQ(r.balanced_accuracy, (2.0 / 3.0 + 0.5) / 2.0);
  // Precision A = 2/2, B = 1/2, C = 0/1.
  EXPECT_DOUBLE_EQ(r.per_class[0].precision, 1.0);
  EXPECT_DOUBLE_EQ(r.per_class[1].precision, 0.5);
  EXPECT_DOUBLE_EQ(r.per_class[2].precision, 0.0);
  const double f1_a = 2 * 1.0 * (2.0 / 3.0) / (1.0 + 2.0 / 3.0);  // 0.8
  const double f1_b = 0.5;
  // C was predicted once, so it counts in the macro average with F1 = 0 (scikit-learn).
  EXPECT_DOUBLE_EQ(r.macro_f1, (f1_a + f1_b + 0.0) / 3.0);
  EXPECT_EQ(r.per_class[0].support, 3);
  EXPECT_EQ(r.confusion[0], (std::vector<std::int64_t>{2, 1, 0}));
  EXPECT_EQ(r.confusion[1], (std::vector<std::int64_t>{0, 1, 1}));
  const auto csv = confusion_csv(r);
  EXPECT_NE(csv.find("true\\predicted,A,B,C\nA,2,1,0\nB,0,1,1\nC,0,0,0\n"), std::string::npos);
  EXPECT_NE(csv.find("A (fraction),0.6667,0.3333,0.0000"), std::string::npos);
}

TEST(Retrieval, ConstructedCaseHasTheKnownRanks) {
  // Candidates are the unit vectors; query i points at candidate (i + shift_i), so its own
  // counterpart ranks 1 + (number of candidates closer than it).
  const auto candidates = torch::eye(4);
  auto queries = torch::zeros({4, 4});
  queries[0][0] = 1;                                               // rank 1
  queries[1][1] = 0.8, queries[1][2] = 0.6;                        // rank 1
  queries[2][2] = 0.6, queries[2][3] = 0.8;                        // rank 2
  queries[3][0] = 0.8, queries[3][1] = 0.5, queries[3][3] = 0.33;  // rank 3
  for (std::int64_t chunk : {1, 3, 1024}) {
    const auto m = retrieval(queries, candidates, chunk);
    EXPECT_EQ(m.queries, 4);
    EXPECT_DOUBLE_EQ(m.top1, 0.5);
    EXPECT_DOUBLE_EQ(m.top5, 1.0);
    EXPECT_DOUBLE_EQ(m.median_rank, 1.5);
  }
}

TEST(EmbeddingProbes, SeparateWellSeparatedClusters) {
  torch::manual_seed(3);
  const auto centers = torch::eye(3, 8);
  auto make = [&](std::int64_t per_class) {
    auto labels = torch::arange(3, torch::kInt64).repeat_interleave(per_class);
    auto x = centers.index_select(0, labels) + 0.05 * torch::randn({3 * per_class, 8});
    return std::make_pair(x / x.norm(2, {1}, true), labels);
  };
  const auto [train, y_train] = make(20);
  const auto [query, y_query] = make(10);
  const std::vector<std::int64_t> truth(y_query.data_ptr<std::int64_t>(),
                                        y_query.data_ptr<std::int64_t>() + y_query.numel());
  EXPECT_EQ(nearest_centroid(train, y_train, 3, query), truth);
  EXPECT_EQ(k_nearest_neighbours(train, y_train, 3, query, 5), truth);
  EXPECT_EQ(logistic_regression_probe(train, y_train, 3, query), truth);
}

TEST(EmbeddingProbes, KnnVotesByMajority) {
  // Query at 0 degrees; neighbours: two of class 1 at 30 degrees, one of class 0 at 0 degrees.
  const double c = std::cos(M_PI / 6), s = std::sin(M_PI / 6);
  const auto train = torch::tensor({1.0, 0.0, c, s, c, -s}, torch::kFloat32).view({3, 2});
  const auto labels = torch::tensor({0, 1, 1}, torch::kInt64);
  const auto query = torch::tensor({1.0f, 0.0f}).view({1, 2});
  EXPECT_EQ(k_nearest_neighbours(train, labels, 2, query, 3), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(k_nearest_neighbours(train, labels, 2, query, 1), (std::vector<std::int64_t>{0}));
}

}  // namespace
}  // namespace astrom3::eval

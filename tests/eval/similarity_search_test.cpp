#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "astrom3/common/error.h"
#include "astrom3/eval/embedding_file.h"
#include "astrom3/eval/neighbour_report.h"
#include "astrom3/eval/similarity_search.h"
#include "support/seeded_test.h"
#include "support/test_support.h"

namespace astrom3::eval {
namespace {

// Brute force on the full similarity matrix, in double precision: every valid candidate ranked
// by (similarity descending, row ascending).
std::vector<std::vector<std::int64_t>> brute_force(const torch::Tensor& q, const torch::Tensor& c,
                                                   const torch::Tensor& mask,
                                                   const std::vector<std::int64_t>& self,
                                                   std::int64_t k) {
  const auto qn = q.to(torch::kFloat64) / q.to(torch::kFloat64).norm(2, 1, true);
  const auto cn = c.to(torch::kFloat64) / c.to(torch::kFloat64).norm(2, 1, true);
  const auto sim = torch::matmul(qn, cn.t());
  std::vector<std::vector<std::int64_t>> out;
  for (std::int64_t i = 0; i < q.size(0); ++i) {
    std::vector<std::int64_t> rows;
    for (std::int64_t j = 0; j < c.size(0); ++j) {
      if (mask[j].item<bool>() && j != self[i]) rows.push_back(j);
    }
    std::stable_sort(rows.begin(), rows.end(), [&](std::int64_t a, std::int64_t b) {
      return sim[i][a].item<double>() > sim[i][b].item<double>();
    });
    rows.resize(std::min<std::size_t>(rows.size(), static_cast<std::size_t>(k)));
    out.push_back(rows);
  }
  return out;
}

class SimilaritySearch : public test::SeededTest {};

TEST_F(SimilaritySearch, BlockedTopKEqualsBruteForceForAnyBlockSizes) {
  seed(3);
  const auto c = torch::randn({301, 12});
  const auto q = c.narrow(0, 0, 37) + 0.3 * torch::randn({37, 12});
  const auto mask = torch::rand({301}).gt(0.2);
  std::vector<std::int64_t> self(37);
  std::iota(self.begin(), self.end(), 0);
  const auto want = brute_force(q, c, mask, self, 7);
  for (auto [qb, cb] : {std::pair<int, int>{1024, 65536}, {8, 50}, {5, 7}, {37, 1}}) {
    NeighbourOptions o;
    o.k = 7;
    o.query_block = qb;
    o.candidate_block = cb;
    const auto got = top_k_cosine(q, c, mask, torch::tensor(self), o);
    for (std::int64_t i = 0; i < 37; ++i) {
      for (std::int64_t j = 0; j < 7; ++j) {
        ASSERT_EQ(got.index[i][j].item<std::int64_t>(), want[i][j])
            << "query " << i << " rank " << j << " blocks " << qb << "x" << cb;
      }
    }
    const auto qn =
        torch::nn::functional::normalize(q, torch::nn::functional::NormalizeFuncOptions().dim(1));
    const auto cn =
        torch::nn::functional::normalize(c, torch::nn::functional::NormalizeFuncOptions().dim(1));
    const auto expect =
        (qn.unsqueeze(1) * cn.index_select(0, got.index.reshape(-1)).view({37, 7, 12})).sum(-1);
    EXPECT_TRUE(torch::allclose(got.similarity, expect, 1e-5, 1e-6));
  }
}

TEST_F(SimilaritySearch, TiesGoToTheLowerRowAndShortListsArePadded) {
  // Candidates 1, 2 and 4 are the same vector: for query (1, 0) they tie; 0 and 3 are masked.
  const auto c =
      torch::tensor(
          {{1.0f, 0.0f}, {2.0f, 0.0f}, {3.0f, 0.0f}, {1.0f, 0.0f}, {5.0f, 0.0f}, {0.0f, 1.0f}})
          .view({6, 2});
  const auto mask = torch::tensor({0, 1, 1, 0, 1, 1}).ne(0);
  for (int cb : {1, 2, 3, 6}) {
    NeighbourOptions o;
    o.k = 6;
    o.candidate_block = cb;
    const auto got =
        top_k_cosine(torch::tensor({1.0f, 0.0f}).view({1, 2}), c, mask, torch::tensor({-1}), o);
    EXPECT_EQ(got.index[0][0].item<std::int64_t>(), 1) << cb;
    EXPECT_EQ(got.index[0][1].item<std::int64_t>(), 2) << cb;
    EXPECT_EQ(got.index[0][2].item<std::int64_t>(), 4) << cb;
    EXPECT_EQ(got.index[0][3].item<std::int64_t>(), 5) << cb;
    EXPECT_NEAR(got.similarity[0][3].item<float>(), 0.0f, 1e-7);
    EXPECT_EQ(got.index[0][4].item<std::int64_t>(), -1) << cb;
    EXPECT_TRUE(std::isinf(got.similarity[0][5].item<float>()));
  }
}

TEST_F(SimilaritySearch, PairSimilarityHandCase) {
  const auto space = torch::tensor({1.0f, 0.0f, 0.0f, 2.0f, 3.0f, 3.0f}).view({3, 2});
  const auto mask = torch::tensor({1, 1, 0}).ne(0);
  const auto s = pair_similarity(space, mask, torch::tensor({0, 1}),
                                 torch::tensor({1, 2, 0, -1}).view({2, 2}));
  EXPECT_NEAR(s[0][0].item<float>(), 0.0f, 1e-7);  // (1,0)·(0,1)
  EXPECT_TRUE(std::isnan(s[0][1].item<float>()));  // row 2 lacks the modality
  EXPECT_NEAR(s[1][0].item<float>(), 0.0f, 1e-7);  // (0,1)·(1,0)
  EXPECT_TRUE(std::isnan(s[1][1].item<float>()));  // no neighbour
}

EmbeddingTable small_table() {
  EmbeddingTable t;
  t.path = "e.h5";
  t.info.class_names = {"EA", "EW"};
  t.info.modalities = {"photometry"};
  t.ids = {"a", "b,1", "c"};
  t.labels = {0, 1, -1};
  t.split = {"train", "val", "test"};
  t.embeddings["photometry"] = torch::tensor({1.0f, 0.0f, 0.8f, 0.6f, 0.0f, 1.0f}).view({3, 2});
  t.present["photometry"] = torch::tensor({1, 1, 1}).ne(0);
  return t;
}

TEST(NeighbourReport, CsvSchemaAndContrastOrder) {
  const auto t = small_table();
  NeighbourReport r;
  r.modality = r.against = "photometry";
  r.query_rows = {0};
  NeighbourOptions o;
  o.k = 2;
  r.neighbours = top_k_cosine(t.of("photometry").narrow(0, 0, 1), t.of("photometry"),
                              t.present_in("photometry"), torch::tensor({0}), o);
  std::ostringstream out;
  write_neighbours_csv(out, t, r);
  EXPECT_EQ(out.str(),
            "query_id,query_label,query_split,rank,neighbour_id,neighbour_label,neighbour_split,"
            "similarity\n"
            "a,EA,train,1,\"b,1\",EW,val,0.800000\n"
            "a,EA,train,2,c,,test,0.000000\n");
  r.contrast = "photometry";
  r.contrast_similarity = torch::tensor({0.9f, 0.1f}).view({1, 2});
  std::ostringstream contrast;
  write_neighbours_csv(contrast, t, r);
  EXPECT_NE(contrast.str().find(",contrast_similarity\na,EA,train,2,c,,test,0.000000,0.100000\n"
                                "a,EA,train,1,"),
            std::string::npos)
      << contrast.str();
}

TEST(EmbeddingFile, ReaderGivesBackWhatTheWriterWrote) {
  test::TempDir dir;
  EmbeddingFileInfo info;
  info.checkpoint = "ckpt";
  info.split_set = "full_42";
  info.modalities = {"photometry", "spectra"};
  info.class_names = {"EA", "EW"};
  info.objects = 3;
  info.dim = 2;
  EmbeddingBatch b;
  b.modalities = {torch::tensor({1.0f, 0.0f, 0.0f, 1.0f, 0.6f, 0.8f}).view({3, 2}),
                  torch::tensor({0.0f, 1.0f, 1.0f, 0.0f, 0.0f, 0.0f}).view({3, 2})};
  b.fused = torch::tensor({0.5f, 0.5f, 0.5f, 0.5f, 0.6f, 0.8f}).view({3, 2});
  b.present = torch::tensor({1, 1, 1, 1, 1, 0}).view({3, 2}).ne(0);
  b.labels = torch::tensor({0, 1, -1});
  b.rows = torch::tensor({0, 1, 2});
  b.ids = {"x", "y", "z"};
  {
    EmbeddingFileWriter w(dir / "e.h5", info);
    w.append(b, "train");
    w.commit();
  }
  const auto t = read_embedding_file(dir / "e.h5");
  EXPECT_EQ(t.ids, b.ids);
  EXPECT_EQ(t.labels, (std::vector<std::int32_t>{0, 1, -1}));
  EXPECT_EQ(t.split, (std::vector<std::string>{"train", "train", "train"}));
  EXPECT_EQ(t.info.modalities, info.modalities);
  EXPECT_TRUE(torch::equal(t.of("spectra"), b.modalities[1]));
  EXPECT_TRUE(torch::equal(t.of("fused"), b.fused));
  EXPECT_EQ(t.present_in("spectra")[2].item<bool>(), false);
  EXPECT_EQ(t.present_in("fused")[2].item<bool>(), true);
  EXPECT_EQ(t.row_of("z"), 2);
  test::expect_data_error([&] { t.row_of("nope"); }, "no object with id 'nope'");
  EXPECT_THROW(t.of("metadata"), ConfigError);
  // Reading one space: every presence mask, only that matrix.
  const auto one = read_embedding_file(dir / "e.h5", {"spectra"});
  EXPECT_TRUE(torch::equal(one.of("spectra"), b.modalities[1]));
  EXPECT_EQ(one.embeddings.size(), 1u);
  EXPECT_TRUE(torch::equal(one.present_in("fused"), t.present_in("fused")));
  EXPECT_TRUE(torch::equal(one.present_in("photometry"), t.present_in("photometry")));
  EXPECT_THROW(one.of("photometry"), ConfigError);  // in the file, not read
}

}  // namespace
}  // namespace astrom3::eval

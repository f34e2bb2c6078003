#include <gtest/gtest.h>
#include <torch/torch.h>
#include <zlib.h>

#include <cmath>

#include "astrom3/common/error.h"
#include "astrom3/eval/embedding_map.h"
#include "astrom3/eval/embedding_outliers.h"
#include "astrom3/eval/label_evidence.h"
#include "astrom3/io/scatter_png.h"
#include "astrom3/synth/survey_generator.h"

namespace astrom3::eval {
namespace {

torch::Tensor rows2d(std::initializer_list<float> v) {
  return torch::tensor(std::vector<float>(v)).view({-1, 2});
}
torch::Tensor ints(std::initializer_list<std::int64_t> v) {
  return torch::tensor(std::vector<std::int64_t>(v));
}
torch::Tensor flags(std::initializer_list<std::int64_t> v) {
  return ints(v).ne(0);
}

TEST(Outliers, PercentileInterpolatesLikeNumpy) {
  EXPECT_DOUBLE_EQ(percentile({4, 1, 3, 2}, 50), 2.5);
  EXPECT_DOUBLE_EQ(percentile({1, 2, 3, 4}, 99), 3.97);  // np.percentile([1,2,3,4], 99)
  EXPECT_DOUBLE_EQ(percentile({7}, 90), 7.0);
  EXPECT_TRUE(std::isnan(percentile({}, 50)));
}

TEST(Outliers, CentroidDistancesRanksAndThresholds) {
  // Class 0 train: (1,0) and (0,1) -> centroid (1,1)/sqrt2. Object 2 (class 0, val) sits at
  // (1,0): distance 1 - 1/sqrt2. Object 3 (class 0, test) at (-1,0): 1 + 1/sqrt2, the farthest.
  // Object 4 is unlabelled, object 5 lacks the modality.
  const auto e = rows2d({1, 0, 0, 1, 1, 0, -1, 0, 0, 1, 1, 1});
  const auto labels = ints({0, 0, 0, 0, -1, 0});
  const auto present = flags({1, 1, 1, 1, 1, 0});
  const auto train = flags({1, 1, 0, 0, 0, 0});
  const auto d = centroid_distances(e, labels, present, train, 2, 50.0);
  const double s = 1.0 / std::sqrt(2.0);
  EXPECT_NEAR(d.distance[2], 1 - s, 1e-12);
  EXPECT_NEAR(d.distance[3], 1 + s, 1e-12);
  EXPECT_TRUE(std::isnan(d.distance[4]) && std::isnan(d.distance[5]));
  EXPECT_EQ(d.rank[3], 1);
  EXPECT_EQ(d.rank[4], 0);
  // Class 0 distances: 1-s, 1-s, 1-s, 1+s -> median 1-s. Class 1 has no train members.
  EXPECT_NEAR(d.threshold[0], 1 - s, 1e-12);
  EXPECT_TRUE(std::isnan(d.threshold[1]));
}

TEST(Outliers, KnnDistanceScoreIsTheMeanDistanceToTheNearestOthers) {
  const auto e = rows2d({1, 0, 1, 0, 0, 1, -1, 0});
  const auto score = knn_distance_score(e, flags({1, 1, 1, 0}), 2);
  // Object 0: neighbours 1 (distance 0) and 2 (1) -> 0.5; object 2: 0 and 1, both 1 -> 1.
  EXPECT_NEAR(score[0], 0.5, 1e-7);
  EXPECT_NEAR(score[2], 1.0, 1e-7);
  EXPECT_TRUE(std::isnan(score[3]));
}

TEST(LabelEvidence, AMislabelledObjectPointsToItsTrueClass) {
  // Class 0 near (1,0), class 1 near (0,1); object 6 is labelled 0 but sits among class 1.
  const auto e = rows2d({1, 0.1f, 1, -0.1f, 0.9f, 0, 0.1f, 1, -0.1f, 1, 0, 0.9f, 0.05f, 1});
  const auto labels = ints({0, 0, 0, 1, 1, 1, 0});
  const auto present = flags({1, 1, 1, 1, 1, 1, 1});
  const auto train = flags({1, 1, 1, 1, 1, 1, 1});
  const auto ev = label_evidence(e, labels, present, train, 2, 3);
  EXPECT_EQ(ev.centroid_prediction[6], 1);
  EXPECT_GT(ev.centroid_margin[6], 0.5);
  EXPECT_EQ(ev.knn_prediction[6], 1);
  EXPECT_DOUBLE_EQ(ev.knn_share[6], 1.0);
  EXPECT_DOUBLE_EQ(ev.knn_own_share[6], 0.0);
  EXPECT_EQ(ev.centroid_prediction[0], 0);
  EXPECT_LT(ev.centroid_margin[0], 0.0);
  // Leave-one-out: object 6's own class-0 centroid excludes it, so its margin equals the one
  // computed from class 0 = objects 0-2 only.
  const auto c0 =
      torch::nn::functional::normalize(e.narrow(0, 0, 3).to(torch::kFloat64).sum(0),
                                       torch::nn::functional::NormalizeFuncOptions().dim(0));
  const auto c1 =
      torch::nn::functional::normalize(e.narrow(0, 3, 3).to(torch::kFloat64).sum(0),
                                       torch::nn::functional::NormalizeFuncOptions().dim(0));
  const auto x = torch::nn::functional::normalize(
      e[6].to(torch::kFloat64), torch::nn::functional::NormalizeFuncOptions().dim(0));
  EXPECT_NEAR(ev.centroid_margin[6], (x * c1).sum().item<double>() - (x * c0).sum().item<double>(),
              1e-12);
}

TEST(EmbeddingMap, KMeansSeparatesTwoBlobsDeterministically) {
  torch::manual_seed(1);
  const auto a = torch::tensor({1.0f, 0.0f, 0.0f}) + 0.05 * torch::randn({40, 3});
  const auto b = torch::tensor({0.0f, 0.0f, 1.0f}) + 0.05 * torch::randn({25, 3});
  const auto x = torch::cat({a, b});
  const auto c = spherical_kmeans(x, 2, 7);
  for (int i = 1; i < 40; ++i) EXPECT_EQ(c.assignment[i], c.assignment[0]);
  for (int i = 41; i < 65; ++i) EXPECT_EQ(c.assignment[i], c.assignment[40]);
  EXPECT_NE(c.assignment[0], c.assignment[40]);
  EXPECT_EQ(spherical_kmeans(x, 2, 7).assignment, c.assignment);
}

// Two long parallel arcs on the unit sphere, at latitudes -gap/2 and +gap/2 (radians), each
// spanning 0.9 pi of longitude. The arcs are what the neighbour graph connects; around centroids
// they are not compact, so k-means cuts both across their length while spectral clustering
// follows them.
torch::Tensor two_strips(std::int64_t per_strip, double gap = 0.3) {
  std::vector<float> v;
  for (int s = 0; s < 2; ++s) {
    const double lat = (s == 0 ? -0.5 : 0.5) * gap;
    for (std::int64_t i = 0; i < per_strip; ++i) {
      const double lon = 0.9 * M_PI * static_cast<double>(i) / static_cast<double>(per_strip - 1);
      v.insert(v.end(), {static_cast<float>(std::cos(lat) * std::cos(lon)),
                         static_cast<float>(std::cos(lat) * std::sin(lon)),
                         static_cast<float>(std::sin(lat))});
    }
  }
  return torch::tensor(v).view({2 * per_strip, 3});
}

void expect_strips_separated(const std::vector<std::int64_t>& a, std::int64_t per_strip) {
  ASSERT_EQ(static_cast<std::int64_t>(a.size()), 2 * per_strip);
  EXPECT_EQ(a[0], 0);  // numbered in order of first row
  for (std::int64_t i = 0; i < per_strip; ++i) EXPECT_EQ(a[i], 0) << "row " << i;
  for (std::int64_t i = per_strip; i < 2 * per_strip; ++i) EXPECT_EQ(a[i], 1) << "row " << i;
}

TEST(EmbeddingMap, SpectralClusteringFollowsStripsThatKMeansCutsAcross) {
  const auto x = two_strips(60);
  const auto km = spherical_kmeans(x, 2, 3).assignment;
  // k-means puts each strip's two halves in different clusters.
  EXPECT_NE(km[0], km[59]);
  const auto sc = spectral_clustering(x, 2, 3, {5, 5000, 5});
  expect_strips_separated(sc.assignment, 60);
  EXPECT_EQ(spectral_clustering(x, 2, 3, {5, 5000, 5}).assignment, sc.assignment);
  // Centres: the re-normalised mean of each arc, at longitude 0.45 pi and latitude -+0.15.
  const auto c = sc.centres;
  for (int g = 0; g < 2; ++g) {
    EXPECT_NEAR(c[g].norm().item<float>(), 1.0f, 1e-5);
    EXPECT_NEAR(std::atan2(c[g][1].item<float>(), c[g][0].item<float>()), 0.45 * M_PI, 1e-5);
  }
  EXPECT_LT(c[0][2].item<float>(), 0.0f);
  EXPECT_NEAR(c[1][2].item<float>(), -c[0][2].item<float>(), 1e-6);
}

TEST(EmbeddingMap, SpectralClusteringOnASampleAssignsTheRestByNeighbours) {
  // 400 rows, graph on a sample of 120: every row still lands with its own arc.
  const auto sc = spectral_clustering(two_strips(200, 0.6), 2, 11, {10, 120, 5});
  expect_strips_separated(sc.assignment, 200);
  EXPECT_THROW(spectral_clustering(two_strips(5), 2, 0, {5, 1, 5}), ConfigError);
  EXPECT_THROW(spectral_clustering(two_strips(1), 3, 0), ConfigError);
}

TEST(EmbeddingMap, PcaFindsTheLineOfLargestSpread) {
  // Points t * (1, 2, 0) for t = -2..2: one component, along (1,2,0)/sqrt5, positive sign.
  std::vector<float> v;
  for (int t = -2; t <= 2; ++t) v.insert(v.end(), {1.0f * t, 2.0f * t, 0.0f});
  const auto p = pca_2d(torch::tensor(v).view({5, 3}));
  for (int t = -2; t <= 2; ++t) {
    EXPECT_NEAR(p[t + 2][0].item<float>(), t * std::sqrt(5.0f), 1e-5);
    EXPECT_NEAR(p[t + 2][1].item<float>(), 0.0f, 1e-5);
  }
}

TEST(ScatterPng, EncodesValidPngWithTheGivenPixels) {
  std::vector<unsigned char> rgb = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30};  // 2 x 2
  const auto png = io::encode_png(rgb, 2, 2);
  ASSERT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png.substr(12, 4), "IHDR");
  const auto idat = png.find("IDAT");
  ASSERT_NE(idat, std::string::npos);
  const auto len = (static_cast<unsigned char>(png[idat - 4]) << 24) |
                   (static_cast<unsigned char>(png[idat - 3]) << 16) |
                   (static_cast<unsigned char>(png[idat - 2]) << 8) |
                   static_cast<unsigned char>(png[idat - 1]);
  std::vector<unsigned char> raw(2 * (1 + 6));
  uLongf size = raw.size();
  ASSERT_EQ(
      uncompress(raw.data(), &size, reinterpret_cast<const Bytef*>(png.data() + idat + 4), len),
      Z_OK);
  const std::vector<unsigned char> want = {0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 10, 20, 30};
  EXPECT_EQ(raw, want);
  // Each chunk's CRC covers type and data.
  const auto crc = crc32(0, reinterpret_cast<const Bytef*>(png.data() + idat), len + 4);
  const auto* at = reinterpret_cast<const unsigned char*>(png.data() + idat + 4 + len);
  EXPECT_EQ(crc, (static_cast<unsigned long>(at[0]) << 24) | (at[1] << 16) | (at[2] << 8) | at[3]);
}

TEST(PlantedCases, OnlyPlantedObjectsChangeAndTheTruthIsRecorded) {
  synth::SynthOptions plain;
  plain.objects = 200;
  plain.seed = 3;
  synth::SynthOptions planted = plain;
  planted.mislabel_fraction = 0.2;
  planted.oddball_fraction = 0.5;
  std::vector<synth::PlantedTruth> truth;
  const auto a = synth::generate_survey(plain, 2);
  const auto b = synth::generate_survey(planted, 2, &truth);
  ASSERT_EQ(truth.size(), 200u);
  int mislabelled = 0, oddballs = 0;
  for (std::int64_t i = 0; i < 200; ++i) {
    const auto& t = truth[i];
    EXPECT_EQ(a.labels[i], t.true_label);
    if (t.mislabelled) {
      ++mislabelled;
      EXPECT_NE(b.labels[i], t.true_label);
    } else {
      EXPECT_EQ(b.labels[i], a.labels[i]);
    }
    if (t.oddball) {
      ++oddballs;
      EXPECT_EQ(a.class_names[t.true_label], "EA");
      EXPECT_NE(b.photometry.flux[b.photometry.offsets[i]],
                a.photometry.flux[a.photometry.offsets[i]]);
    } else {
      EXPECT_EQ(b.photometry.flux[b.photometry.offsets[i]],
                a.photometry.flux[a.photometry.offsets[i]]);
      EXPECT_EQ(b.meta_values(i)[0], a.meta_values(i)[0]);
    }
  }
  EXPECT_GT(mislabelled, 20);
  EXPECT_LT(mislabelled, 60);
  EXPECT_GT(oddballs, 3);
}

}  // namespace
}  // namespace astrom3::eval

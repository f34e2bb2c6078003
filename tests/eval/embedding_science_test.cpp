#include <gtest/gtest.h>
#include <torch/torch.h>
#include <zlib.h>

#include <cmath>
#include <limits>
#include <sstream>

#include "astrom3/common/error.h"
#include "astrom3/data/schema.h"
#include "astrom3/data/survey.h"
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

// A table of `ids` with one space ("photometry", also used as "fused"), every object present.
EmbeddingTable table_of(std::vector<std::string> ids, std::vector<std::int32_t> labels,
                        std::vector<std::string> split, const torch::Tensor& space,
                        std::vector<std::string> class_names) {
  EmbeddingTable t;
  t.path = "table.h5";
  t.info.class_names = std::move(class_names);
  t.info.modalities = {"photometry"};
  for (std::size_t i = 0; i < ids.size(); ++i) t.rows_by_id[ids[i]] = static_cast<std::int64_t>(i);
  t.ids = std::move(ids);
  t.labels = std::move(labels);
  t.split = std::move(split);
  const auto present = torch::ones({space.size(0)}, torch::kBool);
  for (const auto* m : {"photometry", "fused"}) {
    t.embeddings[m] = space;
    t.present[m] = present;
  }
  return t;
}

// The first two lines of a CSV text.
std::pair<std::string, std::string> header_and_first_row(const std::string& csv) {
  std::istringstream lines(csv);
  std::string header, first;
  std::getline(lines, header);
  std::getline(lines, first);
  return {header, first};
}

LabelEvidence evidence_of(std::vector<std::int64_t> centroid, std::vector<double> margin,
                          std::vector<std::int64_t> knn, std::vector<double> share,
                          std::vector<double> own) {
  return LabelEvidence{std::move(centroid), std::move(margin), std::move(knn), std::move(share),
                       std::move(own)};
}

TEST(SuspiciousLabels, ScoresAreMeansOverTheOpinionsAnObjectHasHandComputed) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  const auto table =
      table_of({"a", "b", "c", "d,1"}, {0, 1, -1, 0}, {"train", "val", "test", "test"},
               torch::zeros({4, 2}), {"EW", "SR", "RRAB"});
  // Space A has every labelled object; space B lacks object 0; the classifier lacks object 1.
  auto a = evidence_of({0, 0, -1, 1}, {-0.2, 0.3, nan, 0.1}, {0, 0, -1, -1}, {1.0, 0.6, nan, nan},
                       {1.0, 0.4, nan, nan});
  auto b = evidence_of({-1, 1, -1, 1}, {nan, -0.1, nan, 0.5}, {-1, 1, -1, 1}, {nan, 0.8, nan, 1.0},
                       {nan, 0.8, nan, 0.0});
  ClassifierOpinion c(4);
  c.prediction = {0, -1, 2, 1};
  c.probability = {0.9, 0, 0.5, 0.8};
  c.label_probability = {0.9, 0, 0, 0.2};
  const auto r = rank_suspicious_labels(table.labels, {"A", "B"}, {a, b}, c);
  // Row 0: A (1 - 1.0) - 0.2, classifier 1 - 0.9: mean -0.05, nobody disagrees.
  // Row 1: A (1 - 0.4) + 0.3 = 0.9 with both methods against, B (1 - 0.8) - 0.1 = 0.1: 0.5.
  // Row 3: A 0 + 0.1 (no k-NN vote), B 1 + 0.5, classifier 0.8: 0.8; against the label EW:
  // A's centroid, B's centroid, B's k-NN and the classifier, 4 of the 5 methods.
  EXPECT_NEAR(r.score[0], -0.05, 1e-12);
  EXPECT_NEAR(r.score[1], 0.5, 1e-12);
  EXPECT_NEAR(r.score[3], 0.8, 1e-12);
  EXPECT_EQ(r.disagreeing, (std::vector<int>{0, 2, 0, 4}));
  EXPECT_EQ(r.ranking, (std::vector<std::size_t>{3, 1, 0}));  // unlabelled row 2 left out
  EXPECT_EQ(r.methods(), 5u);
  EXPECT_EQ(r.disagreed(), 2u);

  std::ostringstream csv;
  write_suspicious_labels_csv(csv, table, r);
  const auto [header, first] = header_and_first_row(csv.str());
  EXPECT_EQ(header,
            "rank,id,label,split,score,methods_disagreeing,A_centroid_prediction,"
            "A_centroid_margin,A_knn_prediction,A_knn_share,A_knn_label_share,"
            "B_centroid_prediction,B_centroid_margin,B_knn_prediction,B_knn_share,"
            "B_knn_label_share,classifier_prediction,classifier_probability,"
            "classifier_label_probability");
  EXPECT_EQ(first,
            "1,\"d,1\",EW,test,0.800000,4,SR,0.100000,,,,SR,0.500000,SR,1.0000,0.0000,SR,"
            "0.800000,0.200000");
  std::ostringstream summary;
  write_suspicious_labels_summary(summary, table, r, 1);
  EXPECT_NE(summary.str().find("at least one of 2 space(s): 2 of 3 labelled objects"),
            std::string::npos);
  EXPECT_NE(summary.str().find("   1 d,1                    EW     test    0.800  4\n"),
            std::string::npos);
}

TEST(SuspiciousLabels, AClassifierJoinsByIdAndSkipsUnusableAndForeignRows) {
  const auto table =
      table_of({"a", "b"}, {0, 1}, {"train", "test"}, torch::zeros({2, 2}), {"EW", "SR", "RRAB"});
  ClassifierOpinion c(2);
  const auto p = torch::tensor({0.2, 0.7, 0.1, 0.3, 0.3, 0.4, 0.6, 0.3, 0.1}).view({3, 3});
  EXPECT_EQ(c.join(table, {"b", "zz", "a"}, p, torch::tensor({1, 1, 0}).ne(0)), 1u);
  EXPECT_EQ(c.prediction, (std::vector<std::int64_t>{-1, 1}));
  // Probabilities arrive as float32, so 0.7 is exact only to float precision.
  EXPECT_NEAR(c.probability[1], 0.7, 1e-7);
  EXPECT_NEAR(c.label_probability[1], 0.7, 1e-7);
}

TEST(Outliers, TheObjectAwayFromItsClassIsFlaggedRankedFirstAndWrittenExactly) {
  // Class EW: train objects at 0 and +-10 degrees (centroid at 0 degrees), a test object at 90.
  const double pi = std::acos(-1.0);
  std::vector<float> v;
  for (double deg : {0.0, 10.0, -10.0, 90.0}) {
    v.push_back(static_cast<float>(std::cos(deg * pi / 180)));
    v.push_back(static_cast<float>(std::sin(deg * pi / 180)));
  }
  const auto table =
      table_of({"p", "q", "r", "out"}, {0, 0, 0, 0}, {"train", "train", "train", "test"},
               torch::tensor(v).view({4, 2}), {"EW", "SR"});
  const auto r = find_outliers(table, {"photometry"}, 50.0, 1);
  // Distances 0, 1 - cos 10, 1 - cos 10, 1: the median is 1 - cos 10 = 0.015192; the k-NN
  // score of the 90-degree object is 1 - cos 80 = 0.826352.
  EXPECT_EQ(r.ranking.front(), 3u);
  EXPECT_EQ(r.flagged, (std::vector<int>{0, 0, 0, 1}));
  EXPECT_NEAR(r.excess[3], 1.0 / (1 - std::cos(10 * pi / 180)), 1e-3);
  EXPECT_TRUE(r.knn_outlier(3));
  std::ostringstream csv;
  write_outliers_csv(csv, table, r);
  const auto [header, first] = header_and_first_row(csv.str());
  EXPECT_EQ(header,
            "id,label,split,photometry_distance,photometry_rank,photometry_threshold,"
            "photometry_outlier,outlier_modalities,knn_distance,knn_outlier");
  EXPECT_EQ(first, "out,EW,test,1.000000,1,0.015192,1,1,0.826352,1");
  std::ostringstream summary;
  write_outliers_summary(summary, table, r, 1);
  EXPECT_NE(summary.str().find("1 objects in at least one modality, 0 in two or more (of 4 "
                               "labelled); label-free: 1 above"),
            std::string::npos);
}

TEST(EmbeddingMap, ClusterSummaryMeansAndSeparationHandComputed) {
  data::SurveyBuilder builder({"EW"});
  const auto add = [&](const char* id, double photo0, bool meta, double meta0) {
    data::SurveyBuilder::Object o;
    o.id = id;
    o.has_photometry = o.has_spectrum = false;
    o.photo_features[0] = photo0;
    o.has_metadata = meta;
    o.meta[0] = meta0;
    builder.add(o);
  };
  add("a", 1.0, true, 10.0);
  add("b", 3.0, false, 999.0);  // no metadata: its meta values are not counted
  add("c", 5.0, true, 20.0);
  const auto survey = builder.finish();
  // Clusters: 0 = {a}, 1 = {c, d (not in the survey)}, 2 = {b}.
  const auto s = summarise_clusters(survey, {"a", "c", "d", "b"}, {0, 1, 1, 2}, 3);
  EXPECT_EQ(s.sizes, (std::vector<std::int64_t>{1, 2, 1}));
  const std::size_t meta0 = data::kNumPhotoCols;
  EXPECT_DOUBLE_EQ(s.means[0][0], 1.0);
  EXPECT_DOUBLE_EQ(s.means[1][0], 5.0);
  EXPECT_DOUBLE_EQ(s.means[2][0], 3.0);
  EXPECT_DOUBLE_EQ(s.means[1][meta0], 20.0);
  EXPECT_TRUE(std::isnan(s.means[2][meta0]));
  // Column 0: values 1, 5, 3 (std sqrt(8/3)), means range 4; meta 0: values 10, 20 (std 5),
  // range 10. Constant columns have no spread and are left out.
  ASSERT_EQ(s.separation.size(), 2u);
  EXPECT_EQ(s.separation[0].second, 0u);
  EXPECT_NEAR(s.separation[0].first, 4.0 / std::sqrt(8.0 / 3.0), 1e-12);
  EXPECT_EQ(s.separation[1].second, meta0);
  EXPECT_NEAR(s.separation[1].first, 2.0, 1e-12);
  std::ostringstream csv;
  write_cluster_summary_csv(csv, s);
  EXPECT_NE(
      csv.str().find("\n2,1,3.000000,0.000000,0.000000,0.000000" + std::string(34, ',') + "\n"),
      std::string::npos);
  std::ostringstream text;
  write_cluster_separation(text, s);
  EXPECT_NE(text.str().find(std::string("  ") + data::kPhotoCols[0] +
                            ": 2.45 (cluster 0 1.000, cluster 1 5.000, cluster 2 3.000)\n"),
            std::string::npos);
}

TEST(EmbeddingMap, MapCsvHasOneRowPerMappedObjectWithItsCluster) {
  const auto table = table_of({"a", "b,2", "c"}, {0, -1, 1}, {"train", "val", "test"},
                              torch::zeros({3, 2}), {"EW", "SR"});
  std::ostringstream csv;
  const std::vector<std::int64_t> cluster = {4, 7};
  write_map_csv(csv, table, {1, 2}, torch::tensor({0.5f, -1.0f, 2.0f, 0.25f}).view({2, 2}),
                &cluster);
  EXPECT_EQ(csv.str(),
            "id,label,split,cluster,x,y\n\"b,2\",,val,4,0.500000,-1.000000\n"
            "c,SR,test,7,2.000000,0.250000\n");
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

// evaluate's assembly of metrics from predictions and embeddings, on hand-made inputs whose
// results are counted or computed by hand (NLL values: Python's math module, in the comments).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "astrom3/eval/checkpoint_evaluation.h"

namespace astrom3::eval {
namespace {

// Five objects of classes A, B: object 2 is unlabelled, object 3 has nothing the classifier
// reads. Scored: objects 0, 1, 4 with truth 0, 1, 0 and argmax 0, 1, 1.
ClassPredictions five_objects() {
  ClassPredictions p;
  p.ids = {"o0", "o1", "o2", "o3", "o4"};
  p.labels = torch::tensor({0, 1, -1, 1, 0}, torch::kInt64);
  p.usable = torch::tensor({true, true, true, false, true});
  p.logits =
      torch::tensor({2.0f, 0.0f, 0.0f, 1.0f, 5.0f, 5.0f, 0.0f, 0.0f, 0.0f, 3.0f}).view({5, 2});
  return p;
}

TEST(ClassifierEvaluation, ScoresTheLabelledReadableObjectsAndCountsTheRest) {
  Calibration calibration;
  calibration.temperature = 2.0;
  const auto e = evaluate_classifier(five_objects(), {"A", "B"}, calibration);
  EXPECT_EQ(e.report.objects, 3);
  EXPECT_DOUBLE_EQ(e.report.accuracy, 2.0 / 3.0);
  EXPECT_EQ(e.report.confusion, (std::vector<std::vector<std::int64_t>>{{1, 1}, {0, 1}}));
  EXPECT_EQ(e.not_scored, 1);
  EXPECT_EQ(e.logits.size(0), 3);
  EXPECT_TRUE(e.calibrated);
  // mean -log softmax(z / T)[y] over (2,0|0), (0,1|1), (0,3|0): 1.16292568... at T = 1 and
  // 0.82958398... at T = 2.
  EXPECT_NEAR(e.raw.nll, 1.1629256833783126, 1e-6);
  EXPECT_NEAR(e.scaled.nll, 0.8295839832270273, 1e-6);

  const auto j = to_json(e);
  EXPECT_EQ(j.at("not_scored"), 1);
  EXPECT_EQ(j.at("calibration").at("temperature"), 2.0);
  EXPECT_EQ(j.at("calibration").at("calibrated"), true);
  EXPECT_NEAR(j.at("calibration").at("after").at("nll").get<double>(), 0.8295839832270273, 1e-6);
  EXPECT_NEAR(j.at("accuracy").get<double>(), 2.0 / 3.0, 1e-12);

  const auto text = format_evaluation(e, /*after_removal=*/true);
  EXPECT_NE(text.find("1 labelled objects not scored: they have none of the modalities the "
                      "classifier reads (after the removal)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("NLL 1.1629, ECE"), std::string::npos) << text;
  EXPECT_NE(text.find("with temperature 2.000 (fitted on val)"), std::string::npos) << text;
}

TEST(ClassifierEvaluation, WithoutCalibrationOrObjectsTheTemperatureIsOneAndNothingIsScored) {
  const auto uncalibrated = evaluate_classifier(five_objects(), {"A", "B"}, std::nullopt);
  EXPECT_FALSE(uncalibrated.calibrated);
  EXPECT_EQ(uncalibrated.temperature, 1.0);
  EXPECT_DOUBLE_EQ(uncalibrated.raw.nll, uncalibrated.scaled.nll);
  EXPECT_NE(format_evaluation(uncalibrated, false).find("(checkpoint not calibrated)"),
            std::string::npos);

  const auto empty = evaluate_classifier(ClassPredictions{}, {"A", "B"}, std::nullopt);
  EXPECT_EQ(empty.report.objects, 0);
  EXPECT_EQ(empty.not_scored, 0);
  EXPECT_EQ(format_evaluation(empty, false).find("probabilities:"), std::string::npos);
}

TEST(OpenSetEvaluation, ComparesConfidentKnownObjectsWithTheReadableUnseenOnes) {
  OpenSetDetector detector;
  detector.score = UnknownScore::kMaxSoftmax;
  detector.threshold = -0.9;
  const auto known = torch::tensor({5.0f, 0.0f, 0.0f, 5.0f, 4.0f, 0.0f}).view({3, 2});
  ClassPredictions unseen;
  unseen.ids = {"u0", "u1", "u2"};
  unseen.usable = torch::tensor({true, false, true});
  unseen.logits = torch::tensor({0.1f, 0.0f, 0.0f, 0.0f, 0.0f, 0.2f}).view({3, 2});
  const auto e = evaluate_open_set(detector, known, unseen);
  EXPECT_EQ(e.known, 3);
  EXPECT_EQ(e.unseen, 2);
  EXPECT_EQ(e.not_scored, 1);
  // No Mahalanobis fit in this detector: energy and max_softmax, each separating perfectly
  // (every unseen object is less confident than every known one).
  ASSERT_EQ(e.scores.size(), 2u);
  for (const auto& [score, quality] : e.scores) {
    EXPECT_EQ(quality.auroc, 1.0) << unknown_score_name(score);
    EXPECT_EQ(quality.unseen, 2);
  }
  const auto j = to_json(e);
  EXPECT_EQ(j.at("score"), "max_softmax");
  EXPECT_EQ(j.at("unseen_not_scored"), 1);
  EXPECT_EQ(j.at("scores").size(), 2u);
  const auto text = format_evaluation(e);
  EXPECT_NE(text.find("3 known objects of this split vs 2 unseen-class objects (1 more lack"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("max_softmax  AUROC 1.0000"), std::string::npos) << text;
  EXPECT_NE(text.find("(the checkpoint's score and threshold)"), std::string::npos) << text;
}

// Two modalities whose embeddings of object i are both the i-th unit vector: every query finds
// its counterpart first. Object 3 lacks the second modality. Classes 0, 1, 0, 1.
EmbeddingBatch aligned_embeddings() {
  EmbeddingBatch b;
  const auto eye = torch::eye(4);
  b.modalities = {eye, eye};
  b.fused = eye;
  b.present = torch::tensor({true, true, true, true, true, true, true, false}).view({4, 2});
  b.labels = torch::tensor({0, 1, 0, 1}, torch::kInt64);
  b.rows = torch::arange(4);
  b.ids = {"a", "b", "c", "d"};
  return b;
}

TEST(ClipEvaluation, RetrievalOverObjectsWithBothModalitiesAndProbesOnTheFusedEmbeddings) {
  const auto b = aligned_embeddings();
  const auto pairs = model::modality_pairs({data::kPhotometry, data::kSpectra});
  const auto e = evaluate_clip(b, b, pairs, {"X", "Y"}, 1);
  EXPECT_EQ(e.objects, 4);
  ASSERT_EQ(e.retrieval.size(), 2u);
  EXPECT_EQ(e.retrieval[0].first, "p->s");
  EXPECT_EQ(e.retrieval[1].first, "s->p");
  for (const auto& [key, m] : e.retrieval) {
    EXPECT_EQ(m.queries, 3) << key;
    EXPECT_EQ(m.top1, 1.0) << key;
    EXPECT_EQ(m.median_rank, 1.0) << key;
  }
  ASSERT_EQ(e.probes.size(), 3u);
  EXPECT_EQ(e.probes[0].first, "nearest_centroid");
  EXPECT_EQ(e.probes[1].first, "knn_1");
  EXPECT_EQ(e.probes[2].first, "logistic_regression");
  // Train = query: an object's nearest neighbour is itself, and its class centroid (the mean
  // of two orthogonal unit vectors) is at cosine 1/sqrt(2) against 0 for the other class.
  EXPECT_EQ(e.probes[0].second.accuracy, 1.0);
  EXPECT_EQ(e.probes[1].second.accuracy, 1.0);
  EXPECT_EQ(e.probes[2].second.objects, 4);

  const auto j = to_json(e);
  EXPECT_EQ(j.at("objects"), 4);
  EXPECT_EQ(j.at("retrieval").at("p->s").at("queries"), 3);
  EXPECT_EQ(j.at("frozen_embedding_classification").size(), 3u);
  const auto text = format_evaluation(e);
  EXPECT_NE(text.find("retrieval p->s  top-1 1.0000  top-5 1.0000  median rank 1  (3 objects)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("knn_1                accuracy 1.0000"), std::string::npos) << text;
}

}  // namespace
}  // namespace astrom3::eval

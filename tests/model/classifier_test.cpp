#include <gtest/gtest.h>
#include <torch/torch.h>

#include <limits>

#include "astrom3/common/error.h"
#include "astrom3/io/state_dict.h"
#include "astrom3/model/astrom3_model.h"
#include "astrom3/model/classifier.h"
#include "astrom3/train/classifier_objective.h"
#include "support/model_support.h"

namespace astrom3::model {
namespace {

ModelOptions tiny() {
  return test::tiny_model_options();
}

data::Batch batch(const ModelOptions& o, std::int64_t n) {
  return test::random_batch(o, n, 1);
}

TEST(Classifier, ClipInitCopiesExactlyTheEncoderKeysOfEachMode) {
  const auto o = tiny();
  const auto clip = io::state_dict(*make_model(o, 1));
  for (const std::string mode : {"photometry", "spectra", "metadata", "all"}) {
    ClassifierOptions c;
    c.mode = mode;
    auto classifier = Classifier(o, c, 10);
    const auto copied = classifier->load_clip_weights(clip, "clip");
    const auto sd = io::state_dict(*classifier);
    std::size_t expected = 0;
    for (const auto& [key, t] : sd) {
      if (key.rfind("fc.", 0) == 0) continue;
      if (!classifier->named_parameters().contains(key)) continue;  // buffers are not copied
      ++expected;
      EXPECT_TRUE(torch::equal(t, clip.at(key))) << mode << " " << key;
    }
    EXPECT_EQ(copied, expected) << mode;
    EXPECT_EQ(sd.count("photometry_proj.weight"), mode == "all" ? 1u : 0u) << mode;
    EXPECT_EQ(sd.count("logit_scale_ps"), 0u);
  }
}

TEST(Classifier, ClipWeightsOfAnotherArchitectureAreRejectedByKey) {
  auto other = tiny();
  other.metadata.hidden_dim = 12;
  const auto clip = io::state_dict(*make_model(other, 1));
  ClassifierOptions c;
  c.mode = "metadata";
  auto classifier = Classifier(tiny(), c, 10);
  try {
    classifier->load_clip_weights(clip, "x.safetensors");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("metadata_encoder.model.0.weight has shape [12, 34]"),
              std::string::npos)
        << e.what();
  }
}

TEST(Classifier, NonFiniteClipWeightsAreRefusedAndNothingIsCopied) {
  // `finetune --init` copied NaN encoder weights without a word, then trained on NaN.
  const auto o = tiny();
  auto clip = io::state_dict(*make_model(o, 1));
  clip.at("spectra_encoder.layers.0.weight").view(-1)[3] = std::numeric_limits<float>::infinity();
  ClassifierOptions c;
  c.mode = "all";
  auto classifier = Classifier(o, c, 10);
  const auto before = io::state_dict(*classifier);
  try {
    classifier->load_clip_weights(clip, "init.safetensors");
    FAIL();
  } catch (const DataError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("init.safetensors: non-finite weights"), std::string::npos) << message;
    EXPECT_NE(message.find("spectra_encoder.layers.0.weight (1 of"), std::string::npos) << message;
  }
  for (const auto& [key, t] : io::state_dict(*classifier)) {
    EXPECT_TRUE(torch::equal(t, before.at(key))) << key;
  }
}

TEST(Classifier, FrozenEncodersStayFrozenWhileTheHeadLearns) {
  const auto o = tiny();
  ClassifierOptions c;
  c.mode = "all";
  c.freeze_encoders = true;
  auto classifier = Classifier(o, c, 10);
  const auto before = io::state_dict(*classifier);
  train::ClassifierObjective objective(classifier, {});
  torch::optim::Adam adam(classifier->parameters(),
                          torch::optim::AdamOptions(1e-2).weight_decay(1e-3));
  const auto b = batch(o, 12);
  for (int i = 0; i < 5; ++i) {
    adam.zero_grad();
    objective.compute(b).loss.backward();
    adam.step();
  }
  const auto after = io::state_dict(*classifier);
  for (const auto& [key, t] : before) {
    const bool encoder = key.find("_encoder.") != std::string::npos;
    EXPECT_EQ(torch::equal(t, after.at(key)), encoder) << key;
  }
}

TEST(Classifier, AverageFusionUsesOnlyThePresentModalities) {
  const auto o = tiny();
  ClassifierOptions c;
  c.mode = "all";
  auto classifier = Classifier(o, c, 10);
  classifier->eval();
  auto b = batch(o, 4);
  auto without = b;
  without.present = b.present.clone();
  without.present[0][data::kSpectra] = false;
  without.spectra = b.spectra.clone();
  without.spectra[0].fill_(5.0);  // must not matter: object 0 has no spectrum
  auto reference = without;
  reference.spectra = b.spectra;
  EXPECT_TRUE(torch::allclose(classifier->forward(without)[0], classifier->forward(reference)[0]));
  EXPECT_FALSE(torch::allclose(classifier->forward(b)[0], classifier->forward(reference)[0]));
}

TEST(Classifier, Bf16LogitsAreFloat32AndCloseToFloat32ForEveryFusion) {
  // Mixed precision changes the arithmetic of the products only: the logits come back float32,
  // within bf16's accuracy of the float32 classifier's, and the weights stay float32.
  const auto o = tiny();
  for (const std::string mode : {"photometry", "spectra", "metadata", "all"}) {
    for (const auto fusion : {Fusion::kAvg, Fusion::kConcat}) {
      if (mode != "all" && fusion != Fusion::kAvg) continue;
      ClassifierOptions c;
      c.mode = mode;
      c.fusion = fusion;
      torch::manual_seed(5);
      auto classifier = Classifier(o, c, 10);
      classifier->eval();
      const auto b = batch(o, 16);
      const auto fp32 = classifier->forward(b);
      classifier->set_precision(Precision::kBf16);
      const auto bf16 = classifier->forward(b);
      ASSERT_EQ(bf16.scalar_type(), torch::kFloat32) << mode;
      const double scale = fp32.abs().max().item<double>();
      const double diff = (bf16 - fp32).abs().max().item<double>();
      EXPECT_LE(diff, 0.05 * scale) << mode;
      EXPECT_GT(diff, 0.0) << mode << ": no bf16 arithmetic ran";
      for (const auto& p : classifier->parameters()) EXPECT_EQ(p.scalar_type(), torch::kFloat32);
    }
  }
}

ClassifierOptions fused(Fusion fusion, double modality_dropout = 0.0) {
  ClassifierOptions c;
  c.mode = "all";
  c.fusion = fusion;
  c.modality_dropout = modality_dropout;
  return c;
}

// The batch with only the modalities in `keep` present.
data::Batch only(const data::Batch& b, std::initializer_list<data::Modality> keep) {
  auto out = b;
  out.present = torch::zeros_like(b.present);
  for (auto m : keep) out.present.select(1, m).fill_(true);
  return out;
}

TEST(Classifier, ConcatFusionIsTheSumOfSingleModalityClassifiers) {
  const auto o = tiny();
  torch::manual_seed(3);
  auto all = Classifier(o, fused(Fusion::kConcat), 10);
  all->eval();
  const auto sd = io::state_dict(*all);
  EXPECT_EQ(sd.count("fc.weight"), 0u);
  EXPECT_EQ(sd.count("metadata_proj.weight"), 0u);  // concat reads the encoders' features
  const auto b = batch(o, 6);
  torch::Tensor sum = torch::zeros({6, 10});
  const std::vector<std::pair<data::Modality, std::string>> modes = {
      {data::kPhotometry, "photometry"},
      {data::kSpectra, "spectra"},
      {data::kMetadata, "metadata"}};
  for (const auto& [m, name] : modes) {
    // A single-modality classifier with this modality's encoder and head computes that
    // modality's share of the fused logits.
    ClassifierOptions c;
    c.mode = name;
    auto single = Classifier(o, c, 10);
    single->eval();
    io::TensorMap weights;
    for (const auto& [key, t] : sd) {
      if (key.rfind(name + "_encoder.", 0) == 0) weights[key] = t;
    }
    weights["fc.weight"] = sd.at("fc_" + name + ".weight");
    weights["fc.bias"] = sd.at("fc_" + name + ".bias");
    io::load_state_dict(*single, weights, "test");
    const auto logits = single->forward(b);
    EXPECT_TRUE(torch::allclose(all->forward(only(b, {m})), logits, 1e-5, 1e-6)) << name;
    sum = sum + logits;
  }
  EXPECT_TRUE(torch::allclose(all->forward(b), sum, 1e-5, 1e-5));
}

TEST(Classifier, WeightedFusionScalesEachModalityBeforeTheSharedHead) {
  const auto o = tiny();
  torch::manual_seed(4);
  auto avg = Classifier(o, fused(Fusion::kAvg), 10);
  auto weighted = Classifier(o, fused(Fusion::kWeighted), 10);
  avg->eval();
  weighted->eval();
  auto sd = io::state_dict(*avg);
  sd["fusion_weight"] = torch::ones({3});
  io::load_state_dict(*weighted, sd, "test");
  const auto b = batch(o, 5);
  // Weights of 1 are avg fusion.
  EXPECT_TRUE(torch::allclose(weighted->forward(b), avg->forward(b), 1e-6, 1e-6));
  // fc is affine: weights w scale the fused embedding, i.e. logits - bias, by w.
  sd["fusion_weight"] = torch::full({3}, 2.5);
  io::load_state_dict(*weighted, sd, "test");
  const auto bias = sd.at("fc.bias");
  EXPECT_TRUE(
      torch::allclose(weighted->forward(b) - bias, 2.5 * (avg->forward(b) - bias), 1e-5, 1e-5));
  // A zero weight silences a modality, although it still counts in the mean.
  sd["fusion_weight"] = torch::tensor({1.0f, 0.0f, 1.0f});
  io::load_state_dict(*weighted, sd, "test");
  auto changed = b;
  changed.spectra = b.spectra * -3.0 + 1.0;
  EXPECT_TRUE(torch::allclose(weighted->forward(changed), weighted->forward(b), 1e-6, 1e-6));
  EXPECT_EQ(weighted->load_clip_weights(io::state_dict(*make_model(o, 1)), "clip"),
            avg->load_clip_weights(io::state_dict(*make_model(o, 1)), "clip"));
}

TEST(Classifier, ModalityDropoutHidesModalitiesInTrainingOnly) {
  const auto o = tiny();
  torch::manual_seed(5);
  auto dropped = Classifier(o, fused(Fusion::kConcat, 0.5), 10);
  auto plain = Classifier(o, fused(Fusion::kConcat), 10);
  io::load_state_dict(*plain, io::state_dict(*dropped), "test");
  const std::int64_t n = 300;
  const auto b = batch(o, n);
  // Per-modality logits of each object (no dropout anywhere else in the tiny model).
  plain->train();
  std::vector<torch::Tensor> part;
  for (auto m : {data::kPhotometry, data::kSpectra, data::kMetadata}) {
    part.push_back(plain->forward(only(b, {m})));
  }
  dropped->train();
  torch::manual_seed(11);
  const auto logits = dropped->forward(b);
  torch::manual_seed(11);
  EXPECT_TRUE(torch::equal(dropped->forward(b), logits)) << "masks follow the seed";
  // Each object's logits are the sum over a non-empty subset of its modalities.
  std::int64_t kept = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    int found = -1;
    for (int subset = 1; subset < 8; ++subset) {
      auto s = torch::zeros({10});
      for (int m = 0; m < 3; ++m) {
        if (subset & (1 << m)) s = s + part[m][i];
      }
      if (torch::allclose(s, logits[i], 1e-4, 1e-5)) found = subset;
    }
    ASSERT_GT(found, 0) << "object " << i;
    kept += __builtin_popcount(static_cast<unsigned>(found));
  }
  // P(kept) = 1/2 + P(all three hidden, then all restored) = 1/2 + 1/8; 900 draws.
  const double rate = static_cast<double>(kept) / static_cast<double>(3 * n);
  EXPECT_NEAR(rate, 0.625, 0.06);
  // Evaluation sees every present modality.
  dropped->eval();
  plain->eval();
  EXPECT_TRUE(torch::allclose(dropped->forward(b), plain->forward(b), 1e-6, 1e-6));
}

TEST(ClassifierObjective, ASplitWithNoScorableObjectHasNoMetricsRatherThanZero) {
  // Val objects without the classifier's modality scored `val loss 0 acc 0`: early stopping
  // fired on it and `best` stayed at epoch 1. The trainer reads null as "nothing to validate".
  ClassifierOptions c;
  c.mode = "spectra";
  auto classifier = Classifier(tiny(), c, 10);
  train::ClassifierObjective objective(classifier, {});
  auto b = batch(tiny(), 6);
  b.present.index_put_({torch::indexing::Slice(), data::kSpectra}, false);
  classifier->eval();
  torch::NoGradGuard no_grad;
  const auto out = objective.compute(b);
  std::map<std::string, double> sums;
  for (const auto& [key, value] : out.sums) sums[key] = value.item<double>();
  EXPECT_EQ(sums.at("counted"), 0.0);
  const auto metrics = objective.summarize(sums);
  EXPECT_TRUE(metrics.at("loss").is_null());
  EXPECT_TRUE(metrics.at("accuracy").is_null());
  // With a scorable object the metrics are numbers again.
  sums["counted"] = 2;
  sums["correct"] = 1;
  EXPECT_DOUBLE_EQ(objective.summarize(sums).at("accuracy").get<double>(), 0.5);
}

TEST(ClassifierObjective, BalancedWeightsAreInverseFrequencies) {
  const std::vector<std::int32_t> labels = {0, 0, 0, 1, -1, 2};
  const auto w = train::balanced_class_weights(labels, {0, 1, 2, 3, 4, 5}, 4);
  // 5 labelled objects, 4 classes: 5/(4*3), 5/(4*1), 5/(4*1), absent class 1.
  EXPECT_DOUBLE_EQ(w[0], 5.0 / 12.0);
  EXPECT_DOUBLE_EQ(w[1], 1.25);
  EXPECT_DOUBLE_EQ(w[2], 1.25);
  EXPECT_DOUBLE_EQ(w[3], 1.0);
}

}  // namespace
}  // namespace astrom3::model

#include <gtest/gtest.h>
#include <torch/torch.h>

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

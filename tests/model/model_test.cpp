#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <set>

#include "astrom3/common/error.h"
#include "astrom3/config/config_tree.h"
#include "astrom3/config/run_config.h"
#include "astrom3/io/state_dict.h"
#include "astrom3/model/astrom3_model.h"
#include "astrom3/model/attention.h"
#include "astrom3/model/classifier.h"
#include "astrom3/model/contrastive_loss.h"
#include "astrom3/model/inference_chunks.h"
#include "astrom3/model/parameter_summary.h"
#include "astrom3/model/spectra_encoder.h"
#include "support/model_support.h"

namespace astrom3::model {
namespace {

ModelOptions paper_options() {
  const auto config = config::run_config_from_json(
      config::parse_json_file(std::string(ASTROM3_SOURCE_DIR) + "/configs/paper/clip-full.json"));
  return config::resolved_model_options(config);
}

ModelOptions tiny_options() {
  return test::tiny_model_options();
}

data::Batch random_batch(const ModelOptions& o, std::int64_t n, std::uint64_t seed) {
  return test::random_batch(o, n, seed);
}

TEST(Model, PaperConfigurationHasTheOfficialParameterCount) {
  auto model = AstroM3Model(paper_options());
  EXPECT_EQ(trainable_parameters(*model), 15869827);
  const auto rows = parameter_summary(*model);
  ASSERT_EQ(rows.size(), 9u);
  EXPECT_EQ(rows[0].name, "photometry_encoder");
  EXPECT_EQ(rows[0].trainable, 1589888);  // arXiv 2411.08842 §4.1
  EXPECT_EQ(rows[0].buffers, 640000);     // the position table
  EXPECT_EQ(rows[1].trainable, 13107712);
  EXPECT_EQ(rows[2].trainable, 22272);
  EXPECT_EQ(rows[4].trainable, 280576);
}

TEST(Model, StateDictKeysAndShapesAreTheOfficialOnes) {
  auto model = AstroM3Model(paper_options());
  const auto sd = io::state_dict(*model);
  const std::vector<std::pair<std::string, std::vector<std::int64_t>>> expected = {
      {"photometry_encoder.enc_embedding.value_embedding.tokenConv.weight", {128, 9, 3}},
      {"photometry_encoder.enc_embedding.position_embedding.pe", {1, 5000, 128}},
      {"photometry_encoder.encoder.attn_layers.0.attention.query_projection.weight", {128, 128}},
      {"photometry_encoder.encoder.attn_layers.7.attention.out_projection.bias", {128}},
      {"photometry_encoder.encoder.attn_layers.3.conv1.weight", {512, 128, 1}},
      {"photometry_encoder.encoder.attn_layers.3.conv2.weight", {128, 512, 1}},
      {"photometry_encoder.encoder.attn_layers.0.norm2.bias", {128}},
      {"photometry_encoder.encoder.norm.weight", {128}},
      {"spectra_encoder.layers.0.weight", {64, 3, 3}},
      {"spectra_encoder.layers.9.weight", {32, 32, 3}},
      {"metadata_encoder.model.0.weight", {512, 34}},
      {"metadata_encoder.model.3.weight", {512, 512}},
      {"photometry_proj.weight", {512, 25600}},
      {"spectra_proj.weight", {512, 1184}},
      {"metadata_proj.bias", {512}},
      {"logit_scale_ps", {}},
      {"logit_scale_sm", {}},
      {"logit_scale_mp", {}},
  };
  for (const auto& [key, shape] : expected) {
    ASSERT_TRUE(sd.count(key)) << key;
    EXPECT_EQ(sd.at(key).sizes().vec(), shape) << key;
  }
  // 8 layers x 16 tensors + embedding conv + pe + final norm (2) + spectra 8 + metadata 4
  // + projections 6 + scales 3.
  EXPECT_EQ(sd.size(), 8u * 16 + 2 + 2 + 8 + 4 + 6 + 3);
  EXPECT_NEAR(sd.at("logit_scale_ps").item<double>(), std::log(100.0), 1e-6);
}

TEST(Model, SpectraOutputLengthFollowsTheInputLength) {
  SpectraEncoderOptions o;
  EXPECT_EQ(spectra_output_length(o, 2575), 37);  // arXiv 2411.08842 §4.2: 1184 = 37 x 32 features
  EXPECT_EQ(SpectraEncoder(o, 2575)->output_features(), 1184);
  EXPECT_EQ(spectra_output_length(o, 1000), (((998 / 4 - 2) / 4 - 2) / 4) - 2);
  EXPECT_THROW(spectra_output_length(o, 60), astrom3::ConfigError);
}

TEST(Model, PairsCoverEveryUnorderedPairOnce) {
  using data::kMetadata, data::kPhotometry, data::kSpectra;
  const auto three = modality_pairs({kPhotometry, kSpectra, kMetadata});
  ASSERT_EQ(three.size(), 3u);
  EXPECT_EQ(three[0].key, "ps");
  EXPECT_EQ(three[1].key, "sm");
  EXPECT_EQ(three[2].key, "mp");
  // Four modalities (the fourth reuses a letter here only to count pairs).
  std::vector<data::Modality> four = {kPhotometry, kSpectra, kMetadata, kPhotometry};
  std::set<std::pair<std::size_t, std::size_t>> seen;
  for (const auto& p : modality_pairs(four)) seen.insert({std::min(p.a, p.b), std::max(p.a, p.b)});
  EXPECT_EQ(seen.size(), 6u);
  EXPECT_EQ(modality_pairs({kPhotometry, kSpectra}).size(), 1u);
}

TEST(ContrastiveLoss, MatchesAHandComputedValue) {
  // Two objects, two modalities, unit embeddings, scale 1:
  // logits = P S^T = [[1, 0], [0.6, 0.8]].
  const auto p = torch::tensor({1.0f, 0.0f, 0.6f, 0.8f}).view({2, 2});
  const auto s = torch::tensor({1.0f, 0.0f, 0.0f, 1.0f}).view({2, 2});
  const std::vector<ModalityPair> pairs = {{0, 1, "ps"}};
  const auto out =
      contrastive_loss({p, s}, torch::ones({2, 2}, torch::kBool), pairs, {torch::ones({})});
  using std::exp, std::log;
  const double rows = ((log(exp(1.0) + 1.0) - 1.0) + (log(exp(0.6) + exp(0.8)) - 0.8)) / 2;
  const double cols = ((log(exp(1.0) + exp(0.6)) - 1.0) + (log(1.0 + exp(0.8)) - 0.8)) / 2;
  EXPECT_NEAR(out.total.item<double>(), rows + cols, 1e-6);
  EXPECT_EQ(out.retrieval_correct.item<std::int64_t>(), 2);
}

TEST(ContrastiveLoss, ObjectsWithoutAModalityAreLeftOutOfItsPairs) {
  const auto o = tiny_options();
  auto model = AstroM3Model(o);
  model->eval();
  auto batch = random_batch(o, 6, 3);
  batch.present[2][data::kSpectra] = false;
  const auto out = contrastive_loss(*model, model->embed(batch), batch);
  // Pair ps without object 2 equals the loss of the batch that lacks object 2.
  const auto keep = torch::tensor({0, 1, 3, 4, 5}, torch::kInt64);
  data::Batch sub = batch;
  sub.photometry = batch.photometry.index_select(0, keep);
  sub.photometry_mask = batch.photometry_mask.index_select(0, keep);
  sub.spectra = batch.spectra.index_select(0, keep);
  sub.metadata = batch.metadata.index_select(0, keep);
  sub.present = torch::ones({5, 3}, torch::kBool);
  const auto ref = contrastive_loss(*model, model->embed(sub), sub);
  // float32 losses of 10-50 summed in another order (5 vs 6 rows): equal to about a hundred
  // units in the last place (LibTorch 2.6 differs by 1.4e-6 relative); a leaked object changes
  // a loss by far more (the mp check below).
  const auto near = [](const torch::Tensor& a, const torch::Tensor& b) {
    return std::abs(a.item<double>() - b.item<double>()) <= 1e-5 * std::abs(b.item<double>());
  };
  EXPECT_TRUE(near(out.pairs[0], ref.pairs[0])) << out.pairs[0] << " vs " << ref.pairs[0];  // ps
  EXPECT_TRUE(near(out.pairs[1], ref.pairs[1])) << out.pairs[1] << " vs " << ref.pairs[1];  // sm
  EXPECT_GT(std::abs(out.pairs[2].item<double>() - ref.pairs[2].item<double>()),
            1e-4);  // mp has all
  EXPECT_EQ(out.retrieval_counted.item<std::int64_t>(), 5);
}

TEST(LogitScale, PaperClampBlocksTheGradientAtInitAndLogClampDoesNot) {
  for (const auto clamp : {LogitScaleClamp::kExp, LogitScaleClamp::kLog}) {
    auto o = tiny_options();
    o.logit_scale_clamp = clamp;
    auto model = AstroM3Model(o);
    const auto batch = random_batch(o, 4, 5);
    contrastive_loss(*model, model->embed(batch), batch).total.backward();
    const double g = model->raw_logit_scale(0).grad().abs().item<double>();
    if (clamp == LogitScaleClamp::kExp) {
      EXPECT_EQ(g, 0.0) << "exp(ln 100) > 100 in float32, so the clamp passes no gradient";
    } else {
      EXPECT_GT(g, 0.0);
    }
    EXPECT_NEAR(model->logit_scale(0).item<double>(), 100.0, 1e-3);
  }
}

TEST(Model, LossDecreasesWhenOverfittingATinyBatch) {
  const auto o = tiny_options();
  auto model = make_model(o, 7);
  const auto batch = random_batch(o, 8, 9);
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(3e-3));
  double first = 0, last = 0;
  for (int step = 0; step < 60; ++step) {
    adam.zero_grad();
    const auto loss = contrastive_loss(*model, model->embed(batch), batch).total;
    loss.backward();
    adam.step();
    (step == 0 ? first : last) = loss.item<double>();
  }
  EXPECT_LT(last, 0.3 * first) << "first " << first << " last " << last;
}

TEST(Model, InferenceIsDeterministicAndTrainingResamplesKeys) {
  auto o = tiny_options();
  o.photometry.layers = 2;
  auto model = make_model(o, 1);
  auto batch = random_batch(o, 4, 2);
  model->eval();
  const auto a = model->embed(batch)[0];
  const auto b = model->embed(batch)[0];
  EXPECT_TRUE(torch::equal(a, b));
  model->train();
  model->set_sampling_step(1);
  const auto c = model->embed(batch)[0];
  model->set_sampling_step(2);
  const auto d = model->embed(batch)[0];
  model->set_sampling_step(1);
  const auto e = model->embed(batch)[0];
  EXPECT_TRUE(torch::equal(c, e));
  EXPECT_FALSE(torch::equal(c, d));
}

TEST(Model, SameSeedSameInitialWeights) {
  const auto o = tiny_options();
  const auto a = io::state_dict(*make_model(o, 3));
  const auto b = io::state_dict(*make_model(o, 3));
  const auto c = io::state_dict(*make_model(o, 4));
  bool any_differs = false;
  for (const auto& [k, t] : a) {
    EXPECT_TRUE(torch::equal(t, b.at(k))) << k;
    any_differs |= !torch::equal(t, c.at(k));
  }
  EXPECT_TRUE(any_differs);
}

TEST(Attention, FullAttentionIgnoresPaddedEpochs) {
  // Changing the padded epochs of an object must not change its masked-mean embedding.
  auto o = tiny_options();
  o.photometry.attention = AttentionKind::kFull;
  o.photometry.pooling = Pooling::kMean;
  o.photometry.token_padding = TokenPadding::kZeros;
  auto model = make_model(o, 5);
  model->eval();
  auto batch = random_batch(o, 2, 6);
  batch.photometry_mask.index_put_({0, torch::indexing::Slice(12, torch::indexing::None)}, 0.0);
  const auto before = model->embed(batch)[0];
  // With zero token padding the conv reads one epoch past the end, so keep that one fixed.
  batch.photometry.index_put_({0, torch::indexing::Slice(13, torch::indexing::None)}, 7.0);
  const auto after = model->embed(batch)[0];
  EXPECT_LE((before - after).abs().max().item<double>(), 1e-6);
}

TEST(Attention, ProbSparseCountIsFactorTimesCeilLogL) {
  EXPECT_EQ(probsparse_count(1, 200), 6);
  EXPECT_EQ(probsparse_count(2, 50), 8);
  EXPECT_EQ(probsparse_count(5, 3), 3);
  const auto idx = probsparse_sample_index(200, 6, 1);
  EXPECT_EQ(idx.sizes(), (std::vector<std::int64_t>{200, 6}));
  EXPECT_GE(idx.min().item<std::int64_t>(), 0);
  EXPECT_LT(idx.max().item<std::int64_t>(), 200);
  EXPECT_TRUE(torch::equal(idx, probsparse_sample_index(200, 6, 1)));
}

}  // namespace
}  // namespace astrom3::model

namespace astrom3::model {
namespace {

TEST(InferenceChunks, ChunkedEmbeddingsAndLogitsEqualTheWholeBatchRowByRow) {
  // 45 rows: two full fp32 chunks of 16 and a last one of 13; bf16 chunks of 32 and 13.
  const auto o = test::tiny_model_options();
  auto model = make_model(o, 7);
  model->eval();
  auto b = test::random_batch(o, 45, 2);
  b.ids.clear();
  for (int i = 0; i < 45; ++i) b.ids.push_back("obj" + std::to_string(i));
  for (const auto precision : {Precision::kFp32, Precision::kBf16}) {
    model->set_precision(precision);
    const auto whole = model->embed(b);  // gradients on: one pass over all 45 rows
    std::vector<torch::Tensor> chunked;
    {
      torch::NoGradGuard no_grad;
      EXPECT_EQ(inference_chunk_rows(b, precision), precision == Precision::kBf16 ? 32 : 16);
      chunked = model->embed(b);
    }
    ASSERT_EQ(chunked.size(), whole.size());
    for (std::size_t m = 0; m < whole.size(); ++m) {
      ASSERT_EQ(chunked[m].sizes(), whole[m].sizes());
      // Only the last bits of products may differ (another row count per BLAS call).
      EXPECT_LE((chunked[m] - whole[m].detach()).abs().max().item<double>(), 1e-5);
    }
  }
  // Views of the right rows, and no chunks where they do not pay.
  const auto part = b.slice(16, 16);
  EXPECT_TRUE(torch::equal(part.spectra, b.spectra.narrow(0, 16, 16)));
  EXPECT_EQ(part.ids.front(), "obj16");
  EXPECT_EQ(part.global_offset, 16);
  EXPECT_EQ(inference_chunk_rows(b, Precision::kFp32), 0);  // gradients on

  ClassifierOptions c;
  c.mode = "all";
  torch::manual_seed(3);
  auto classifier = Classifier(o, c, 10);
  classifier->eval();
  const auto whole = classifier->forward(b).detach();
  torch::NoGradGuard no_grad;
  EXPECT_EQ(inference_chunk_rows(b.slice(0, 16), Precision::kFp32), 0);  // small batch
  const auto chunked = classifier->forward(b);
  EXPECT_LE((chunked - whole).abs().max().item<double>(), 1e-5);
}

}  // namespace
}  // namespace astrom3::model

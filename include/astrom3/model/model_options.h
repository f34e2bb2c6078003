// The `model` section of a run config: the architecture of the three encoders and of the
// multimodal CLIP head. Plain data without LibTorch, so that configuration code stays light.
// Defaults are the paper's (arXiv 2411.08842 §4 and the official code's configs/*.yaml;
// docs/model.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "astrom3/common/enum_names.h"

namespace astrom3::model {

// Closed sets of option values. Each table gives the configuration names (docs/configuration.md)
// in the order error messages list them.
enum class Activation { kGelu, kRelu };
enum class TokenPadding { kCircular, kZeros };
enum class AttentionKind { kProbSparse, kFull };
enum class Pooling { kFlatten, kMean };
enum class LogitScaleClamp { kExp, kLog };
enum class Fusion { kAvg, kWeighted, kConcat };
enum class ClassWeights { kNone, kBalanced };
enum class NormalizationSource { kInit, kSplit };
/// The unknown-class score of a fine-tuned classifier (fitted by eval/open_set.h).
enum class UnknownScore { kMahalanobis, kEnergy, kMaxSoftmax };

inline const EnumNames<Activation>& activation_names() {
  static const EnumNames<Activation> names{{"gelu", Activation::kGelu},
                                           {"relu", Activation::kRelu}};
  return names;
}
inline const EnumNames<TokenPadding>& token_padding_names() {
  static const EnumNames<TokenPadding> names{{"circular", TokenPadding::kCircular},
                                             {"zeros", TokenPadding::kZeros}};
  return names;
}
inline const EnumNames<AttentionKind>& attention_names() {
  static const EnumNames<AttentionKind> names{{"probsparse", AttentionKind::kProbSparse},
                                              {"full", AttentionKind::kFull}};
  return names;
}
inline const EnumNames<Pooling>& pooling_names() {
  static const EnumNames<Pooling> names{{"flatten", Pooling::kFlatten}, {"mean", Pooling::kMean}};
  return names;
}
inline const EnumNames<LogitScaleClamp>& logit_scale_clamp_names() {
  static const EnumNames<LogitScaleClamp> names{{"exp", LogitScaleClamp::kExp},
                                                {"log", LogitScaleClamp::kLog}};
  return names;
}
inline const EnumNames<Fusion>& fusion_names() {
  static const EnumNames<Fusion> names{
      {"avg", Fusion::kAvg}, {"weighted", Fusion::kWeighted}, {"concat", Fusion::kConcat}};
  return names;
}
inline const EnumNames<ClassWeights>& class_weights_names() {
  static const EnumNames<ClassWeights> names{{"none", ClassWeights::kNone},
                                             {"balanced", ClassWeights::kBalanced}};
  return names;
}
inline const EnumNames<NormalizationSource>& normalization_source_names() {
  static const EnumNames<NormalizationSource> names{{"init", NormalizationSource::kInit},
                                                    {"split", NormalizationSource::kSplit}};
  return names;
}
inline const EnumNames<UnknownScore>& unknown_score_names() {
  static const EnumNames<UnknownScore> names{{"mahalanobis", UnknownScore::kMahalanobis},
                                             {"energy", UnknownScore::kEnergy},
                                             {"max_softmax", UnknownScore::kMaxSoftmax}};
  return names;
}

/// Informer-style light-curve encoder (arXiv 2411.08842 §4.1).
struct PhotometryEncoderOptions {
  std::int64_t input_channels = 9;  // t, flux, flux_err, 4 photo_cols, log10 MAD, delta_t
  std::int64_t d_model = 128;
  std::int64_t heads = 4;
  std::int64_t d_ff = 512;
  std::int64_t layers = 8;
  Activation activation = Activation::kGelu;
  double dropout = 0.1;            // encoder layers and output (p_dropout)
  double embedding_dropout = 0.1;  // after token + position embedding (fixed 0.1 upstream)
  TokenPadding token_padding = TokenPadding::kCircular;  // circular: the paper
  AttentionKind attention = AttentionKind::kProbSparse;  // paper; full: masked, exact
  std::int64_t probsparse_factor = 1;  // c: u = c * ceil(ln L) active queries and sampled keys
  // The official ProbSparse code returns its context as [B, H, L, D] and the attention layer
  // reinterprets that memory as [B, L, H*D] without transposing, which mixes heads and
  // positions. true reproduces it (needed to use the published weights as trained); false
  // merges heads in the standard way. Ignored by `full` attention.
  bool probsparse_official_layout = true;
  Pooling pooling = Pooling::kFlatten;  // paper: seq_len * d_model features; mean: masked
  std::int64_t max_len = 5000;          // rows of the sinusoidal position table (a saved buffer)
};

/// GalSpecNet-style spectra CNN (arXiv 2411.08842 §4.2).
struct SpectraEncoderOptions {
  std::vector<std::int64_t> channels = {3, 64, 64, 32, 32};  // input channels first
  std::int64_t kernel_size = 3;
  std::int64_t pool_size = 4;  // max-pool after every conv but the last
  double dropout = 0.3;
};

/// Metadata MLP (arXiv 2411.08842 §4).
struct MetadataEncoderOptions {
  std::int64_t input_dim = 34;
  std::int64_t hidden_dim = 512;
  double dropout = 0.15;
};

struct ModelOptions {
  /// Modalities in the model, by name (photometry, spectra, metadata); at least two.
  std::vector<std::string> modalities = {"photometry", "spectra", "metadata"};
  std::int64_t embedding_dim = 512;  // output of every projection (hidden_dim upstream)
  /// exp (paper): scale = clamp(exp(s), 1, 100), which blocks the gradient at the initial
  /// value 100. log: scale = exp(clamp(s, 0, ln 100)), whose gradient passes at the bound.
  LogitScaleClamp logit_scale_clamp = LogitScaleClamp::kExp;
  double logit_scale_init = 100.0;  // initial exp(s)
  double logit_scale_max = 100.0;
  // Derived, not config keys: set from data.seq_len, the spectral grid and runtime.seed, and
  // saved in checkpoint manifests.
  std::int64_t seq_len = 200;           // light-curve window the photometry encoder is built for
  std::int64_t spectrum_length = 2575;  // points of the spectral grid
  /// Seed of ProbSparse key sampling. Evaluation always uses the same keys; training draws
  /// new keys every step from (seed, step), so runs and resumed runs are reproducible.
  std::uint64_t sampling_seed = 0;
  PhotometryEncoderOptions photometry;
  SpectraEncoderOptions spectra;
  MetadataEncoderOptions metadata;
};

/// The `finetune` section: the classifier on top of the encoders (arXiv 2411.08842 §5).
struct ClassifierOptions {
  /// photometry | spectra | metadata: that encoder's features -> Linear(features, classes).
  /// all: every modality of model.modalities, fused as `fusion` says.
  std::string mode = "photometry";
  /// How `all` fuses (docs/fusion.md), always over the modalities an object has:
  ///   avg (paper): projected, L2-normalised embeddings averaged -> Linear(embedding, classes);
  ///   weighted: as avg, each embedding first scaled by a learnable per-modality weight
  ///             (fusion_weight, initially 1), so modalities need not vote equally;
  ///   concat: one linear head per modality on its encoder's features (those the
  ///           single-modality classifier reads), logits summed: a Linear over the
  ///           concatenated features whose absent blocks contribute nothing.
  Fusion fusion = Fusion::kAvg;
  /// `all` in training: each modality of each object is hidden from the fusion with this
  /// probability (an object keeps at least one), so that the classifier stays accurate when a
  /// modality is missing at prediction time. 0 = off (paper).
  double modality_dropout = 0.0;
  bool freeze_encoders = false;  // train only the head (and, in `all`, the projections): a probe
  /// Cross-entropy class weights: none (paper) | balanced (n / (classes * n_class) on train).
  ClassWeights class_weights = ClassWeights::kNone;
  /// With --init: init (scale inputs with the CLIP checkpoint's statistics, as in
  /// pre-training) | split (the fine-tuning split set's own, upstream's HF code).
  NormalizationSource normalization = NormalizationSource::kInit;
  /// The unknown-class score fitted when fine-tuning finishes (eval/open_set.h):
  /// mahalanobis | energy | max_softmax.
  UnknownScore unknown_score = UnknownScore::kMahalanobis;
};

}  // namespace astrom3::model

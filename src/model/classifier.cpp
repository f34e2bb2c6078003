#include "astrom3/model/classifier.h"

#include <torch/torch.h>

#include <sstream>

#include "astrom3/common/error.h"
#include "astrom3/common/torch_compat.h"
#include "astrom3/io/state_dict.h"
#include "astrom3/model/dropout.h"
#include "astrom3/model/inference_chunks.h"
#include "astrom3/model/photometry_encoder.h"

namespace astrom3::model {

ClassifierImpl::ClassifierImpl(const ModelOptions& model, const ClassifierOptions& options,
                               std::int64_t num_classes)
    : model_options_(model), options_(options), num_classes_(num_classes) {
  const bool all = options.mode == "all";
  modalities_ = all ? parse_modalities(model.modalities)
                    : std::vector<data::Modality>{modality_from_name(options.mode)};
  const bool heads = all && options.fusion == Fusion::kConcat;
  for (auto m : modalities_) {
    const std::string name = modality_name(m);
    auto encoder = register_module(name + "_encoder", make_encoder(m, model));
    encoders_.push_back(encoder);
    if (heads) {
      heads_.push_back(register_module("fc_" + name,
                                       torch::nn::Linear(encoder->output_features(), num_classes)));
    } else if (all) {
      projections_.push_back(register_module(
          name + "_proj", torch::nn::Linear(encoder->output_features(), model.embedding_dim)));
    }
  }
  if (!heads) {
    const auto inputs = all ? model.embedding_dim : encoders_[0]->output_features();
    fc_ = register_module("fc", torch::nn::Linear(inputs, num_classes));
  }
  if (all && options.fusion == Fusion::kWeighted) {
    fusion_weight_ = register_parameter(
        "fusion_weight", torch::ones({static_cast<std::int64_t>(modalities_.size())}));
  }
  if (options.freeze_encoders) freeze_encoders();
}

torch::Tensor ClassifierImpl::usable(const data::Batch& batch) const {
  std::vector<std::int64_t> columns(modalities_.begin(), modalities_.end());
  const auto present = batch.present.index_select(
      1, torch::tensor(columns, torch::kInt64).to(batch.present.device()));
  return present.any(1);
}

torch::Tensor ClassifierImpl::fusion_mask(const data::Batch& batch) {
  std::vector<std::int64_t> columns(modalities_.begin(), modalities_.end());
  const auto present = batch.present.index_select(
      1, torch::tensor(columns, torch::kInt64).to(batch.present.device()));
  const double p = options_.modality_dropout;
  if (!is_training() || p <= 0.0) return present;
  // fast_dropout of ones: a kept entry is 1 / (1 - p) > 0. Row-indexed masks, so that data-
  // parallel ranks draw what a single process draws for their rows.
  const auto keep =
      fast_dropout(torch::ones(present.sizes(), torch::kFloat32), p, /*train=*/true).gt(0.0);
  const auto thinned = present.logical_and(keep.to(present.device()));
  // An object whose every modality was hidden keeps them all: it must still be classified.
  const auto none_left = thinned.any(1, /*keepdim=*/true).logical_not();
  return torch::where(none_left, present, thinned);
}

torch::Tensor ClassifierImpl::fuse_embeddings(const data::Batch& batch, const torch::Tensor& mask) {
  // Mean over the used modalities; with all present and equal weights this is upstream's
  // (P + S + M) / 3.
  torch::Tensor sum, count;
  for (std::size_t i = 0; i < encoders_.size(); ++i) {
    auto e = projections_[i](encoders_[i]->encode(batch)).to(torch::kFloat32);  // see project()
    e = e / e.norm(2, {-1}, /*keepdim=*/true);
    if (fusion_weight_.defined()) e = e * fusion_weight_[static_cast<std::int64_t>(i)];
    const auto use = mask.select(1, static_cast<std::int64_t>(i)).to(e.dtype()).unsqueeze(1);
    sum = i == 0 ? e * use : sum + e * use;
    count = i == 0 ? use : count + use;
  }
  return fc_(sum / count.clamp_min(1.0));
}

torch::Tensor ClassifierImpl::fuse_heads(const data::Batch& batch, const torch::Tensor& mask) {
  torch::Tensor logits;
  for (std::size_t i = 0; i < encoders_.size(); ++i) {
    const auto l = heads_[i](encoders_[i]->encode(batch)).to(torch::kFloat32);
    const auto use = mask.select(1, static_cast<std::int64_t>(i)).to(l.dtype()).unsqueeze(1);
    logits = i == 0 ? l * use : logits + l * use;
  }
  return logits;
}

torch::Tensor ClassifierImpl::forward(const data::Batch& batch) {
  AutocastScope autocast(batch.present.device().type(), precision_ == Precision::kBf16);
  const auto logits = [this](const data::Batch& b) -> std::vector<torch::Tensor> {
    if (options_.mode != "all") return {fc_(encoders_[0]->encode(b)).to(torch::kFloat32)};
    const auto mask = fusion_mask(b);
    return {(heads_.empty() ? fuse_embeddings(b, mask) : fuse_heads(b, mask)).to(torch::kFloat32)};
  };
  return forward_in_chunks(batch, inference_chunk_rows(batch, precision_), logits).front();
}

std::size_t ClassifierImpl::load_clip_weights(const io::TensorMap& clip,
                                              const std::string& source) {
  torch::NoGradGuard no_grad;
  std::vector<std::string> problems;
  std::vector<std::pair<torch::Tensor, torch::Tensor>> sources;  // (target, value)
  for (const auto& p : named_parameters(/*recurse=*/true)) {
    // The heads and fusion weights are the classifier's own.
    if (p.key().rfind("fc", 0) == 0 || p.key() == "fusion_weight") continue;
    const auto it = clip.find(p.key());
    if (it == clip.end()) {
      problems.push_back("missing key " + p.key());
    } else if (it->second.sizes() != p.value().sizes()) {
      std::ostringstream s;
      s << "key " << p.key() << " has shape " << it->second.sizes() << ", expected "
        << p.value().sizes();
      problems.push_back(s.str());
    } else {
      sources.emplace_back(p.value(), it->second);
    }
  }
  if (!problems.empty()) {
    std::string message = source + ": the CLIP weights do not fit the classifier:";
    for (const auto& p : problems) message += "\n  " + p;
    throw DataError(message);
  }
  // Checked before anything is copied, so a refused file leaves the classifier untouched.
  io::check_finite(clip, source);
  for (auto& [target, value] : sources) target.copy_(value);
  return sources.size();
}

void ClassifierImpl::freeze_encoders() {
  for (auto& e : encoders_) {
    for (auto& p : e->parameters()) p.set_requires_grad(false);
  }
}

void ClassifierImpl::set_sampling_step(std::uint64_t step) {
  for (std::size_t i = 0; i < modalities_.size(); ++i) {
    if (modalities_[i] == data::kPhotometry) {
      std::static_pointer_cast<PhotometryEncoderImpl>(encoders_[i])->set_sampling_step(step);
    }
  }
}

}  // namespace astrom3::model

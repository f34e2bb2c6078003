#include "astrom3/model/classifier.h"

#include <torch/torch.h>

#include <sstream>

#include "astrom3/common/error.h"
#include "astrom3/model/photometry_encoder.h"

namespace astrom3::model {

ClassifierImpl::ClassifierImpl(const ModelOptions& model, const ClassifierOptions& options,
                               std::int64_t num_classes)
    : model_options_(model), options_(options) {
  if (options.mode == "all") {
    modalities_ = parse_modalities(model.modalities);
  } else {
    modalities_ = {modality_from_name(options.mode)};
  }
  std::int64_t head_inputs = 0;
  for (auto m : modalities_) {
    const std::string name = modality_name(m);
    auto encoder = register_module(name + "_encoder", make_encoder(m, model));
    encoders_.push_back(encoder);
    if (options.mode == "all") {
      projections_.push_back(register_module(
          name + "_proj", torch::nn::Linear(encoder->output_features(), model.embedding_dim)));
    } else {
      head_inputs = encoder->output_features();
    }
  }
  if (options.mode == "all") {
    head_inputs = options.fusion == "concat"
                      ? model.embedding_dim * static_cast<std::int64_t>(modalities_.size())
                      : model.embedding_dim;
  }
  fc_ = register_module("fc", torch::nn::Linear(head_inputs, num_classes));
  if (options.freeze_encoders) freeze_encoders();
}

torch::Tensor ClassifierImpl::usable(const data::Batch& batch) const {
  std::vector<std::int64_t> columns(modalities_.begin(), modalities_.end());
  const auto present = batch.present.index_select(
      1, torch::tensor(columns, torch::kInt64).to(batch.present.device()));
  return present.any(1);
}

torch::Tensor ClassifierImpl::forward(const data::Batch& batch) {
  if (options_.mode != "all") return fc_(encoders_[0]->encode(batch));
  std::vector<torch::Tensor> embeddings;
  for (std::size_t i = 0; i < encoders_.size(); ++i) {
    const auto e = projections_[i](encoders_[i]->encode(batch));
    embeddings.push_back(e / e.norm(2, {-1}, /*keepdim=*/true));
  }
  if (options_.fusion == "concat") return fc_(torch::cat(embeddings, 1));
  // Mean over the modalities each object has; with all present this is upstream's (P+S+M)/3.
  torch::Tensor sum, count;
  for (std::size_t i = 0; i < embeddings.size(); ++i) {
    const auto has = batch.present.select(1, modalities_[i]).to(embeddings[i].dtype()).unsqueeze(1);
    sum = i == 0 ? embeddings[i] * has : sum + embeddings[i] * has;
    count = i == 0 ? has : count + has;
  }
  return fc_(sum / count.clamp_min(1.0));
}

std::size_t ClassifierImpl::load_clip_weights(const io::TensorMap& clip,
                                              const std::string& source) {
  torch::NoGradGuard no_grad;
  std::vector<std::string> problems;
  std::size_t copied = 0;
  for (const auto& p : named_parameters(/*recurse=*/true)) {
    if (p.key().rfind("fc.", 0) == 0) continue;
    const auto it = clip.find(p.key());
    if (it == clip.end()) {
      problems.push_back("missing key " + p.key());
    } else if (it->second.sizes() != p.value().sizes()) {
      std::ostringstream s;
      s << "key " << p.key() << " has shape " << it->second.sizes() << ", expected "
        << p.value().sizes();
      problems.push_back(s.str());
    } else {
      auto target = p.value();
      target.copy_(it->second);
      ++copied;
    }
  }
  if (!problems.empty()) {
    std::string message = source + ": the CLIP weights do not fit the classifier:";
    for (const auto& p : problems) message += "\n  " + p;
    throw DataError(message);
  }
  return copied;
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

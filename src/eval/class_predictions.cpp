#include "astrom3/eval/class_predictions.h"

#include <torch/torch.h>

namespace astrom3::eval {

ClassPredictions predict_classes(model::ClassifierImpl& classifier,
                                 std::shared_ptr<const data::SampleStore> store,
                                 const data::LoaderOptions& loader, const c10::Device& device,
                                 const std::vector<data::Modality>& hidden, double temperature) {
  classifier.eval();
  torch::NoGradGuard no_grad;
  data::BatchLoader batches(std::move(store), loader, /*training=*/false, /*seed=*/0, device);
  std::vector<torch::Tensor> labels, usable, present, logits;
  ClassPredictions out;
  batches.start_epoch(0);
  while (auto batch = batches.next()) {
    if (!hidden.empty()) {
      batch->present = batch->present.clone();
      for (auto m : hidden) batch->present.select(1, m).fill_(false);
    }
    const auto ok = classifier.usable(*batch);
    const auto z = classifier.forward(*batch).to(torch::kFloat32);
    logits.push_back(z.masked_fill(ok.logical_not().unsqueeze(1), 0.0).to(torch::kCPU));
    usable.push_back(ok.to(torch::kCPU));
    present.push_back(batch->present.to(torch::kCPU));
    labels.push_back(batch->labels.to(torch::kCPU));
    out.ids.insert(out.ids.end(), batch->ids.begin(), batch->ids.end());
  }
  if (out.ids.empty()) {
    out.labels = torch::empty({0}, torch::kInt64);
    out.usable = torch::empty({0}, torch::kBool);
    out.present = torch::empty({0, data::kNumModalities}, torch::kBool);
    out.logits = torch::empty({0, 0}, torch::kFloat32);
    out.probabilities = torch::empty({0, 0}, torch::kFloat32);
    return out;
  }
  out.labels = torch::cat(labels);
  out.usable = torch::cat(usable);
  out.present = torch::cat(present);
  out.logits = torch::cat(logits);
  out.probabilities = torch::softmax(out.logits / temperature, 1)
                          .masked_fill(out.usable.logical_not().unsqueeze(1), 0.0);
  return out;
}

}  // namespace astrom3::eval

#include "astrom3/train/calibrate_run.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <optional>
#include <set>

#include "astrom3/eval/calibration.h"
#include "astrom3/eval/class_predictions.h"
#include "astrom3/eval/open_set.h"
#include "astrom3/train/checkpoint.h"

namespace astrom3::train {
namespace fs = std::filesystem;
namespace {

// The unknown-class detector of the loaded weights: fitted on the train split's labelled
// objects, its threshold at 95 % of the val objects (`val_logits`, those calibrated on).
std::optional<eval::OpenSetDetector> fit_open_set(const data::SplitData& data,
                                                  model::ClassifierImpl& classifier,
                                                  const data::LoaderOptions& loader,
                                                  const c10::Device& device,
                                                  model::UnknownScore score, double temperature,
                                                  const torch::Tensor& val_logits) {
  const auto p = eval::predict_classes(classifier, data.train, loader, device);
  const auto keep = p.ids.empty() ? torch::empty({0}, torch::kInt64)
                                  : p.usable.logical_and(p.labels.ge(0)).nonzero().squeeze(1);
  if (keep.numel() == 0) {
    spdlog::warn(
        "[finetune] no labelled train object the classifier can read: no unknown-class "
        "detector");
    return std::nullopt;
  }
  auto d = eval::fit_open_set(score, temperature, p.logits.index_select(0, keep),
                              p.labels.index_select(0, keep), val_logits);
  spdlog::info(
      "[finetune] unknown-class score {} fitted on {} train objects; threshold {:.4g} "
      "keeps {:.0f} % of {} val objects",
      eval::unknown_score_name(score), d.fit_objects, d.threshold, 100.0 * d.known_recall,
      d.threshold_objects);
  return d;
}

}  // namespace

void calibrate_run(const fs::path& run_dir, const data::SplitData& data,
                   model::ClassifierImpl& classifier, const data::LoaderOptions& loader,
                   const c10::Device& device, model::UnknownScore unknown_score) {
  std::set<fs::path> done;
  for (const char* link : {"best", "latest"}) {
    if (!fs::exists(run_dir / link / "manifest.json")) continue;
    const auto dir = fs::canonical(run_dir / link);
    if (!done.insert(dir).second) continue;
    auto manifest = read_manifest(dir);
    load_weights(dir, classifier);
    const auto p = eval::predict_classes(classifier, data.val, loader, device);
    const auto keep = p.ids.empty() ? torch::empty({0}, torch::kInt64)
                                    : p.usable.logical_and(p.labels.ge(0)).nonzero().squeeze(1);
    if (keep.numel() < kMinCalibrationObjects) {
      spdlog::warn(
          "[finetune] the val split has {} labelled objects the classifier can read, fewer than "
          "the {} a temperature is fitted on: {} is not calibrated (temperature 1) and has no "
          "unknown-class detector",
          keep.numel(), kMinCalibrationObjects, dir.string());
      continue;
    }
    const auto c = eval::calibrate(p.logits.index_select(0, keep), p.labels.index_select(0, keep));
    if (c.temperature <= 0.0501 || c.temperature >= 19.99) {
      spdlog::warn(
          "[finetune] the temperature of {} reached the end of its range [0.05, 20]: the val "
          "objects are too few or too easy to calibrate on",
          dir.filename().string());
    }
    if (c.after.ece > c.before.ece) {
      spdlog::warn(
          "[finetune] the temperature minimises the val NLL but raises its ECE ({:.4f} -> "
          "{:.4f}) on {} objects: with few val objects the calibration is uncertain",
          c.before.ece, c.after.ece, c.objects);
    }
    manifest.calibration = c;
    spdlog::info(
        "[finetune] calibrated {} on {} val objects: temperature {:.3f}; NLL {:.4f} -> {:.4f}, "
        "ECE {:.4f} -> {:.4f}",
        dir.filename().string(), c.objects, c.temperature, c.before.nll, c.after.nll, c.before.ece,
        c.after.ece);
    manifest.open_set = fit_open_set(data, classifier, loader, device, unknown_score, c.temperature,
                                     p.logits.index_select(0, keep));
    rewrite_manifest(dir, manifest);
  }
}

}  // namespace astrom3::train

#include "cli/checkpoint_data.h"

#include <spdlog/spdlog.h>

#include "astrom3/common/device.h"
#include "astrom3/common/error.h"
#include "astrom3/data/schema.h"
#include "cli/config_flags.h"

namespace astrom3::cli {

CheckpointData open_checkpoint(const std::string& checkpoint, const std::string& data_path,
                               const GlobalFlags& global) {
  CheckpointData c;
  c.dir = train::resolve_checkpoint(checkpoint);
  c.manifest = train::read_manifest(c.dir);
  TypedFlags typed;
  if (!data_path.empty()) typed.emplace_back("data.path", data_path);
  c.config = resolve_config(ConfigFlags{}, global, typed, c.manifest.config);
  c.model = config::model_options_from_json(c.manifest.model);
  return c;
}

CheckpointData load_checkpoint_data(const std::string& checkpoint, const std::string& data_path,
                                    const GlobalFlags& global,
                                    const data::SplitRowSelector& select) {
  CheckpointData c = open_checkpoint(checkpoint, data_path, global);
  // Inputs are scaled as in training: the checkpoint's statistics, not those of the split set
  // (they differ when a classifier was fine-tuned with its CLIP model's statistics, or when the
  // survey file was re-prepared). Imported weights record none; they use the split set's.
  data::SplitLoadOptions load;
  load.select = select;
  if (c.manifest.normalization.mean.size() == data::kNumNormCols) {
    load.normalization = c.manifest.normalization;
    // "checkpoint RUN/checkpoints/epoch-0003 (checkpoint CLIP/...)": where they came from too.
    const auto& origin = c.manifest.normalization_source;
    load.normalization_source =
        "checkpoint " + c.dir.string() + (origin.empty() ? "" : " (" + origin + ")");
  }
  c.data = data::load_split_data(c.config.data, worker_threads(c.config.runtime.threads), load);
  if (!c.manifest.split_hash.empty() && c.manifest.split_hash != c.data.split_hash) {
    spdlog::warn(
        "[data] split set {} of {} has a different membership than the one {} was "
        "trained on (hash {} vs {}): its val/test objects may have been trained on",
        c.data.split_set, c.config.data.path, c.dir.string(), c.data.split_hash,
        c.manifest.split_hash);
  }
  return c;
}

namespace {

void require_kind(const CheckpointData& c, const std::string& kind, const std::string& command) {
  if (c.manifest.kind != kind) {
    throw ConfigError(c.dir.string() + " is a \"" + c.manifest.kind + "\" checkpoint; " + command +
                      " needs a " + kind + " checkpoint");
  }
}

}  // namespace

model::AstroM3Model load_clip_model(const CheckpointData& c, const std::string& command) {
  require_kind(c, "clip", command);
  auto model = model::AstroM3Model(c.model);
  train::load_weights(c.dir, *model);
  model->to(resolve_device(c.config.runtime.device));
  return model;
}

model::Classifier load_classifier(const CheckpointData& c, const std::string& command) {
  return load_classifier(c, c.data.survey->class_names, command);
}

model::Classifier load_classifier(const CheckpointData& c,
                                  const std::vector<std::string>& class_names,
                                  const std::string& command) {
  require_kind(c, "classifier", command);
  // The output layer's rows are the checkpoint's classes: another class list would be read
  // through the wrong names (or fail on the shape) without this check.
  if (!c.manifest.class_names.empty() && c.manifest.class_names != class_names) {
    const auto list = [](const std::vector<std::string>& v) {
      std::string s;
      for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
      return s;
    };
    throw DataError(c.config.data.path + " has the classes [" + list(class_names) + "], but " +
                    c.dir.string() + " was trained on [" + list(c.manifest.class_names) + "]");
  }
  const auto classes = static_cast<std::int64_t>(class_names.size());
  auto classifier = model::Classifier(c.model, c.config.finetune, classes);
  train::load_weights(c.dir, *classifier);
  classifier->to(resolve_device(c.config.runtime.device));
  return classifier;
}

double calibrated_temperature(const CheckpointData& c) {
  return c.manifest.calibration ? c.manifest.calibration->temperature : 1.0;
}

std::shared_ptr<const data::SampleStore> split_store(const data::SplitData& data,
                                                     const std::string& split) {
  if (split == "train") return data.train;
  if (split == "val") return data.val;
  if (split == "test") return data.test;
  throw ConfigError("unknown split \"" + split + "\" (expected train, val or test)");
}

}  // namespace astrom3::cli

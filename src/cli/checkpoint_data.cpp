#include "cli/checkpoint_data.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "astrom3/common/device.h"
#include "astrom3/common/error.h"
#include "astrom3/config/config_tree.h"
#include "astrom3/data/schema.h"
#include "astrom3/data/splits.h"
#include "cli/config_flags.h"

namespace astrom3::cli {

namespace {

bool in_section(const std::string& key, const char* section) {
  const std::string prefix = std::string(section) + ".";
  return key == section || key.rfind(prefix, 0) == 0;
}

// Why `key` may not change on a checkpoint's configuration, or empty when it may: a command
// chooses where the data is, which split set and how it runs; the model, the classifier and how
// the model was trained and fed are the checkpoint's; the other sections are other commands'.
std::string why_not_settable(const std::string& key, const std::filesystem::path& dir,
                             const char* command) {
  if (key == "data.path" || key == "data.split_set" || in_section(key, "runtime") ||
      in_section(key, "loader")) {
    return "";
  }
  if (key == "train.precision") {  // how the checkpoint was trained; inference has its own
    return key + " is how " + dir.string() + " was trained; " + command +
           " computes at --precision fp32|bf16 (default fp32)";
  }
  for (const char* fixed : {"model", "finetune", "train", "data"}) {
    if (in_section(key, fixed)) return key + " is fixed by the checkpoint " + dir.string();
  }
  return key + " does not apply to " + command;
}

}  // namespace

void check_stored_config(const train::CheckpointManifest& manifest,
                         const std::filesystem::path& dir) {
  try {
    config::run_config_from_json(manifest.config);
    config::model_options_from_json(manifest.model);
  } catch (const ConfigError& e) {
    throw DataError((dir / train::kManifestFile).string() +
                    ": the configuration the checkpoint stores is invalid:\n" + e.what());
  }
}

CheckpointData open_checkpoint(const std::string& checkpoint, const GlobalFlags& global,
                               const CheckpointSettings& settings) {
  CheckpointData c;
  c.dir = train::resolve_checkpoint(checkpoint);
  c.manifest = train::read_manifest(c.dir);
  check_stored_config(c.manifest, c.dir);
  TypedFlags typed = settings.typed;
  if (!settings.data_path.empty()) typed.emplace_back("data.path", settings.data_path);
  c.config = resolve_config(settings.flags, global, typed, c.manifest.config);
  // What the checkpoint stores, with only the global flags and --data: the keys that differ
  // were set by this command's --config, --set or typed flags.
  TypedFlags data_only;
  if (!settings.data_path.empty()) data_only.emplace_back("data.path", settings.data_path);
  const auto stored = config::to_json(resolve_config({}, global, data_only, c.manifest.config));
  config::Violations refused;
  for (const auto& key : config::changed_keys(stored, config::to_json(c.config))) {
    const auto why = why_not_settable(key, c.dir, settings.command);
    if (!why.empty()) {
      refused.add(std::string(settings.command) + ": " + why +
                  "; only runtime.*, loader.*, data.path and data.split_set can change");
    }
  }
  refused.throw_if_any();
  c.model = config::model_options_from_json(c.manifest.model);
  return c;
}

bool dump_checkpoint_config(const std::string& checkpoint, const GlobalFlags& global,
                            const CheckpointSettings& settings) {
  if (!settings.flags.dump_config) return false;
  print_config(open_checkpoint(checkpoint, global, settings).config);
  return true;
}

namespace {

// Called when the split set differs from the one the checkpoint trained on. Scoring another
// split set is safe when the training one is still in the file with the same membership and
// none of its train objects is among the new set's val or test objects: the standard subsets
// nest in full_<seed>, so a sub10_42 classifier may be scored on full_42's larger test split.
// Otherwise the new set's val/test objects may have been trained on: a warning.
void warn_unless_held_out(const CheckpointData& c) {
  const auto& survey = *c.data.survey;
  const auto& sets = survey.split_sets;
  const auto trained = sets.find(c.manifest.split_set);
  if (trained != sets.end() &&
      data::split_membership_hash(survey, trained->second) == c.manifest.split_hash) {
    std::vector<std::int64_t> seen = trained->second.train;
    std::sort(seen.begin(), seen.end());
    const auto& scored = survey.split_set(c.data.split_set);
    std::int64_t overlap = 0;
    for (const auto* rows : {&scored.val, &scored.test}) {
      for (auto r : *rows) overlap += std::binary_search(seen.begin(), seen.end(), r);
    }
    if (overlap == 0) {
      spdlog::info(
          "[data] split set {}: none of its val or test objects is in the train split of {}, "
          "which {} was trained on",
          c.data.split_set, c.manifest.split_set, c.dir.string());
      return;
    }
    spdlog::warn(
        "[data] {} val/test objects of split set {} are in the train split of {}, which {} was "
        "trained on: their scores are not held-out",
        overlap, c.data.split_set, c.manifest.split_set, c.dir.string());
    return;
  }
  spdlog::warn(
      "[data] split set {} of {} has a different membership than the one {} was "
      "trained on (hash {} vs {}): its val/test objects may have been trained on",
      c.data.split_set, c.config.data.path, c.dir.string(), c.data.split_hash,
      c.manifest.split_hash);
}

}  // namespace

CheckpointData load_checkpoint_data(const std::string& checkpoint, const GlobalFlags& global,
                                    const CheckpointSettings& settings,
                                    const data::SplitRowSelector& select) {
  CheckpointData c = open_checkpoint(checkpoint, global, settings);
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
  // The checkpoint records data.path as training was given it, often relative to the directory
  // training ran in: when that path is missing, name where it came from and the way out.
  const auto stored_path =
      c.manifest.config.value("data", nlohmann::json::object()).value("path", std::string());
  const std::string& path = c.config.data.path;
  if (path == stored_path && settings.data_path.empty() && !std::filesystem::exists(path)) {
    throw DataError(path + ": no such file (the survey " + c.dir.string() +
                    " was trained on, as its config records it" +
                    (std::filesystem::path(path).is_relative()
                         ? ", relative to the directory training ran in"
                         : "") +
                    "); pass --data FILE");
  }
  c.data = data::load_split_data(c.config.data, worker_threads(c.config.runtime.threads), load);
  if (!c.manifest.split_hash.empty() && c.manifest.split_hash != c.data.split_hash) {
    warn_unless_held_out(c);
  }
  return c;
}

model::AstroM3Model load_clip_model(const CheckpointData& c, const std::string& command,
                                    Precision precision) {
  train::require_kind(c.manifest, train::CheckpointKind::kClip, c.dir, command);
  auto model = model::AstroM3Model(c.model);
  train::load_weights(c.dir, *model);
  const auto device = resolve_device(c.config.runtime.device);
  model->to(device);
  model->set_precision(precision);
  warn_if_bf16_is_emulated(precision, device, command);
  return model;
}

model::Classifier load_classifier(const CheckpointData& c, const std::string& command,
                                  Precision precision) {
  return load_classifier(c, c.data.survey->class_names, command, precision);
}

model::Classifier load_classifier(const CheckpointData& c,
                                  const std::vector<std::string>& class_names,
                                  const std::string& command, Precision precision) {
  train::require_kind(c.manifest, train::CheckpointKind::kClassifier, c.dir, command);
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
  const auto device = resolve_device(c.config.runtime.device);
  classifier->to(device);
  classifier->set_precision(precision);
  warn_if_bf16_is_emulated(precision, device, command);
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

// What `evaluate` and `embed` share: a checkpoint, its run configuration with the data file
// the user names, and that data's split set.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "astrom3/config/run_config.h"
#include "astrom3/data/split_data.h"
#include "astrom3/model/astrom3_model.h"
#include "astrom3/model/classifier.h"
#include "astrom3/train/checkpoint.h"
#include "cli/config_flags.h"
#include "cli/global_flags.h"

namespace astrom3::cli {

struct CheckpointData {
  std::filesystem::path dir;
  train::CheckpointManifest manifest;
  config::RunConfig config;  // the checkpoint's, with data.path and global flags applied
  model::ModelOptions model;
  data::SplitData data;
};

/// How a command adjusts the configuration a checkpoint stores.
struct CheckpointSettings {
  const char* command = "";  // for messages
  std::string data_path;     // --data; empty = the checkpoint's data.path
  ConfigFlags flags;         // --config / --set / --dump-config
  TypedFlags typed;          // the command's own flags that write one key each
};

/// Throws DataError naming the manifest when the configuration a checkpoint stores is not a
/// valid one (a damaged or hand-edited manifest): it is not the user's flags that are wrong.
void check_stored_config(const train::CheckpointManifest& manifest,
                         const std::filesystem::path& dir);

/// The checkpoint's manifest, its run configuration and model options; reads no data (`data`
/// stays empty). The configuration is the checkpoint's with, in rising precedence, --config,
/// --set, the global flags, `data_path` (when given) and the typed flags applied. Only
/// runtime.*, loader.*, data.path and data.split_set may change: other keys are one ConfigError
/// naming each (fixed by the checkpoint: model, finetune, train, the rest of data; or another
/// command's).
CheckpointData open_checkpoint(const std::string& checkpoint, const GlobalFlags& global,
                               const CheckpointSettings& settings = {});

/// With --dump-config: prints the configuration the command would run the checkpoint with and
/// returns true (the command then ends with success).
bool dump_checkpoint_config(const std::string& checkpoint, const GlobalFlags& global,
                            const CheckpointSettings& settings);

/// open_checkpoint, then the configured data file (the checkpoint's own by default) with the
/// split set. Warns when the split's membership differs from training's. `select` narrows the
/// rows whose stores are prepared (data::load_split_data).
CheckpointData load_checkpoint_data(const std::string& checkpoint, const GlobalFlags& global,
                                    const CheckpointSettings& settings,
                                    const data::SplitRowSelector& select = {});

/// The checkpoint's CLIP model (kind "clip") or fine-tuned classifier (kind "classifier") with
/// its weights, on the configured device. Throws ConfigError naming `command` when the kind is
/// another. `precision`: the compute precision set on the model (a warning when bf16 would be
/// emulated on this CPU).
model::AstroM3Model load_clip_model(const CheckpointData& c, const std::string& command,
                                    Precision precision = Precision::kFp32);
model::Classifier load_classifier(const CheckpointData& c, const std::string& command,
                                  Precision precision = Precision::kFp32);
/// The classifier of `c` for a survey whose label vocabulary is `class_names` (DataError when
/// they are not the classes it was trained on); the overload above takes c.data.survey's.
model::Classifier load_classifier(const CheckpointData& c,
                                  const std::vector<std::string>& class_names,
                                  const std::string& command,
                                  Precision precision = Precision::kFp32);

/// The softmax temperature fitted when the classifier was fine-tuned; 1 when uncalibrated.
double calibrated_temperature(const CheckpointData& c);

/// The store of one split: train, val or test (ConfigError otherwise).
std::shared_ptr<const data::SampleStore> split_store(const data::SplitData& data,
                                                     const std::string& split);

}  // namespace astrom3::cli

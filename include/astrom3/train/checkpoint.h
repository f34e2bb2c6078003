// Checkpoint directories. Each holds
//   model.safetensors  the weights and buffers under the official PyTorch key names
//   optimizer.pt       the optimiser state (LibTorch archive), absent in exported/imported ones
//   manifest.json      format version, model options, class names, normalization statistics,
//                      split set and a hash of its membership, training state, code version,
//                      and the SHA-256 of the other files, checked whenever they are loaded
// A directory is written under a temporary name and renamed when complete, so a checkpoint
// either exists whole or not at all. A run directory holds checkpoints/<name>/ and the
// symlinks `latest` and `best`, each replaced atomically.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <c10/core/Device.h>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <nlohmann/json.hpp>

#include "astrom3/data/split_data.h"
#include "astrom3/data/survey.h"
#include "astrom3/eval/calibration.h"
#include "astrom3/eval/open_set.h"
#include "astrom3/train/training_state.h"

namespace astrom3::train {

inline constexpr const char* kCheckpointFormat = "astrom3-checkpoint";
inline constexpr int kCheckpointFormatVersion = 1;
inline constexpr const char* kWeightsFile = "model.safetensors";
inline constexpr const char* kOptimizerFile = "optimizer.pt";
inline constexpr const char* kManifestFile = "manifest.json";

/// What a checkpoint's weights are: a CLIP model (pre-training, import) or a fine-tuned
/// classifier. Manifests and messages use the names "clip" and "classifier".
enum class CheckpointKind { kClip, kClassifier };

inline const EnumNames<CheckpointKind>& checkpoint_kind_names() {
  static const EnumNames<CheckpointKind> names{{"clip", CheckpointKind::kClip},
                                               {"classifier", CheckpointKind::kClassifier}};
  return names;
}
inline const std::string& kind_name(CheckpointKind kind) {
  return name_of(kind, checkpoint_kind_names());
}

struct CheckpointManifest {
  CheckpointKind kind = CheckpointKind::kClip;
  nlohmann::json config;  // the resolved run config
  nlohmann::json model;   // config::model_options_to_json
  std::vector<std::string> class_names;
  data::NormalizationStats normalization;  // the statistics the run's inputs were scaled with
  /// Where they came from: "split set sub10_42" or "checkpoint DIR" (a CLIP model's, reused by
  /// fine-tuning); empty in manifests written before astrom3 recorded it.
  std::string normalization_source;
  std::string split_set;   // e.g. full_42
  std::string split_hash;  // data::split_membership_hash
  TrainingState state;
  nlohmann::json metrics = nlohmann::json::object();  // the last finished epoch's metrics
  /// Where the initial weights came from (fine-tuning): {checkpoint, split_set, ...}; or empty.
  nlohmann::json init = nlohmann::json::object();
  /// Temperature scaling fitted on the validation split when fine-tuning finished (classifier
  /// checkpoints); absent before, and in CLIP checkpoints. Scoring uses T = 1 without it.
  std::optional<eval::Calibration> calibration;
  /// The unknown-class detector fitted with the calibration (train logits, val threshold).
  std::optional<eval::OpenSetDetector> open_set;
  std::string astrom3_version;
  std::string libtorch_version;
  /// SHA-256 (hex, as sha256sum prints) of the checkpoint's other files by name; written by
  /// save_checkpoint, empty in manifests written before astrom3 recorded them.
  std::map<std::string, std::string> sha256;
};

/// The manifest of a run's checkpoints: config (config::to_json of the run's RunConfig), model
/// options (config::model_options_to_json of the resolved ones), class names and, when `data`
/// is given, the split set's name, membership hash and normalization. The JSON forms keep this
/// area below `config` (docs/architecture.md).
CheckpointManifest make_manifest(CheckpointKind kind, nlohmann::json config, nlohmann::json model,
                                 const data::SplitData* data);

nlohmann::json to_json(const CheckpointManifest& manifest);
/// Throws DataError naming `source` when the document is not a checkpoint manifest.
CheckpointManifest manifest_from_json(const nlohmann::json& doc, const std::string& source);

/// Throws ConfigError unless the checkpoint at `dir` holds `kind`:
/// `DIR is a "clip" checkpoint; USER needs a classifier checkpoint`.
void require_kind(const CheckpointManifest& manifest, CheckpointKind kind,
                  const std::filesystem::path& dir, const std::string& user);

/// Writes `dir` atomically. `optimizer` may be null (weights-only checkpoints).
void save_checkpoint(const std::filesystem::path& dir, const CheckpointManifest& manifest,
                     const torch::nn::Module& model, const torch::optim::Optimizer* optimizer);

/// A checkpoint directory, or a run directory (then its `latest` checkpoint). Throws
/// DataError when neither holds a manifest.
std::filesystem::path resolve_checkpoint(const std::filesystem::path& path);

CheckpointManifest read_manifest(const std::filesystem::path& dir);
/// Replaces the manifest of an existing checkpoint atomically (the weights stay as they are).
void rewrite_manifest(const std::filesystem::path& dir, const CheckpointManifest& manifest);
/// `dir / name`, after checking it against the SHA-256 its manifest records (a DataError naming
/// the file on a mismatch, e.g. a flipped byte; files of older manifests are not checked).
std::filesystem::path verified_file(const std::filesystem::path& dir, const std::string& name);
/// Strict: a missing, unexpected or mis-shaped key is a DataError naming it; so are non-finite
/// values and a checksum mismatch (verified_file).
void load_weights(const std::filesystem::path& dir, torch::nn::Module& model);
/// Loads the optimiser state onto `device` (where the optimiser's parameters live), checked
/// against its checksum; an unreadable archive is a DataError naming the file.
void load_optimizer(const std::filesystem::path& dir, torch::optim::Optimizer& optimizer,
                    const c10::Device& device);

/// Refuses (ConfigError) to resume the checkpoint at `source`, whose manifest is `resumed`, on
/// `data` when its split set or that set's membership differs: the run would silently continue
/// another experiment (other objects, splits or statistics).
void check_resume_data(const CheckpointManifest& resumed, const data::SplitData& data,
                       const std::string& source);

/// Points the symlink `link` at `target` (relative to the link's directory), atomically.
void point_link(const std::filesystem::path& link, const std::filesystem::path& target);

}  // namespace astrom3::train

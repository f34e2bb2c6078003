#include "astrom3/train/checkpoint.h"

#include <torch/torch.h>

#include <fstream>
#include <system_error>

#include <unistd.h>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/error.h"
#include "astrom3/common/rng.h"
#include "astrom3/common/torch_compat.h"
#include "astrom3/common/version.h"
#include "astrom3/data/schema.h"
#include "astrom3/io/safetensors.h"
#include "astrom3/io/state_dict.h"

namespace astrom3::train {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kWeightsFile = "model.safetensors";
constexpr const char* kOptimizerFile = "optimizer.pt";
constexpr const char* kManifestFile = "manifest.json";

// A sibling name that no checkpoint uses, unique per process and call.
fs::path temporary_sibling(const fs::path& path) {
  static std::uint64_t counter = 0;
  const auto tag = mix64(static_cast<std::uint64_t>(::getpid()) * 1000003ULL + ++counter);
  return path.parent_path() /
         ("." + path.filename().string() + ".tmp-" + std::to_string(tag % 1000000007ULL));
}

}  // namespace

CheckpointManifest make_manifest(const std::string& kind, const config::RunConfig& config,
                                 const model::ModelOptions& model, const data::SplitData* data) {
  CheckpointManifest m;
  m.kind = kind;
  m.config = config::to_json(config);
  m.model = config::model_options_to_json(model);
  m.class_names.assign(data::kClassNames.begin(), data::kClassNames.end());
  if (data) {
    m.class_names = data->survey->class_names;
    m.split_set = data->split_set;
    m.split_hash = data->split_hash;
    m.normalization = data->normalization;
    m.normalization_source = data->normalization_source;
  }
  return m;
}

json to_json(const CheckpointManifest& m) {
  const auto& s = m.state;
  return {{"format", kCheckpointFormat},
          {"format_version", kCheckpointFormatVersion},
          {"kind", m.kind},
          {"astrom3_version", m.astrom3_version},
          {"libtorch_version", m.libtorch_version},
          {"model", m.model},
          {"class_names", m.class_names},
          {"normalization",
           {{"mean", m.normalization.mean},
            {"std", m.normalization.std},
            {"source", m.normalization_source}}},
          {"split_set", {{"name", m.split_set}, {"membership_hash", m.split_hash}}},
          {"training_state",
           {{"epoch", s.epoch},
            {"step_in_epoch", s.step_in_epoch},
            {"global_step", s.global_step},
            {"stopped_early", s.stopped_early},
            {"schedule", s.schedule},
            {"early_stopping", s.early_stopping},
            {"best", s.best},
            {"epoch_sums", s.epoch_sums}}},
          {"metrics", m.metrics},
          {"init", m.init},
          {"calibration", m.calibration ? eval::to_json(*m.calibration) : json(nullptr)},
          {"open_set", m.open_set ? eval::to_json(*m.open_set) : json(nullptr)},
          {"config", m.config}};
}

CheckpointManifest manifest_from_json(const json& doc, const std::string& source) {
  if (!doc.is_object() || doc.value("format", "") != kCheckpointFormat) {
    throw DataError(source + ": not an astrom3 checkpoint manifest");
  }
  const int version = doc.value("format_version", 0);
  if (version != kCheckpointFormatVersion) {
    throw DataError(source + ": checkpoint format version " + std::to_string(version) +
                    " is not supported (this astrom3 reads version " +
                    std::to_string(kCheckpointFormatVersion) + ")");
  }
  try {
    CheckpointManifest m;
    m.kind = doc.at("kind").get<std::string>();
    m.astrom3_version = doc.at("astrom3_version").get<std::string>();
    m.libtorch_version = doc.at("libtorch_version").get<std::string>();
    m.model = doc.at("model");
    m.class_names = doc.at("class_names").get<std::vector<std::string>>();
    m.normalization.mean = doc.at("normalization").at("mean").get<std::vector<double>>();
    m.normalization.std = doc.at("normalization").at("std").get<std::vector<double>>();
    m.normalization_source = doc.at("normalization").value("source", "");
    m.split_set = doc.at("split_set").at("name").get<std::string>();
    m.split_hash = doc.at("split_set").at("membership_hash").get<std::string>();
    const auto& s = doc.at("training_state");
    m.state.epoch = s.at("epoch").get<std::int64_t>();
    m.state.step_in_epoch = s.at("step_in_epoch").get<std::int64_t>();
    m.state.global_step = s.at("global_step").get<std::int64_t>();
    m.state.stopped_early = s.at("stopped_early").get<bool>();
    m.state.schedule = s.at("schedule");
    m.state.early_stopping = s.at("early_stopping");
    m.state.best = s.at("best");
    m.state.epoch_sums = s.at("epoch_sums");
    m.metrics = doc.at("metrics");
    m.init = doc.value("init", json::object());
    if (doc.contains("calibration") && !doc.at("calibration").is_null()) {
      m.calibration = eval::calibration_from_json(doc.at("calibration"), source);
    }
    if (doc.contains("open_set") && !doc.at("open_set").is_null()) {
      m.open_set = eval::open_set_from_json(doc.at("open_set"), source);
    }
    m.config = doc.at("config");
    return m;
  } catch (const json::exception& e) {
    throw DataError(source + ": malformed checkpoint manifest: " + e.what());
  }
}

void save_checkpoint(const fs::path& dir, const CheckpointManifest& manifest,
                     const torch::nn::Module& model, const torch::optim::Optimizer* optimizer) {
  if (!dir.parent_path().empty()) fs::create_directories(dir.parent_path());
  const fs::path temp = temporary_sibling(dir);
  fs::remove_all(temp);
  fs::create_directory(temp);
  try {
    CheckpointManifest m = manifest;
    m.astrom3_version = kVersion;
    m.libtorch_version = libtorch_version();
    io::write_safetensors(temp / kWeightsFile, io::state_dict(model),
                          {{"format", "pt"}, {"producer", std::string("astrom3 ") + kVersion}});
    if (optimizer) torch::save(*optimizer, (temp / kOptimizerFile).string());
    write_text_file_atomic(temp / kManifestFile, to_json(m).dump(2) + "\n");
    // Replace an existing checkpoint of the same name only once the new one is complete.
    if (fs::exists(dir)) {
      const fs::path old = temporary_sibling(dir);
      fs::rename(dir, old);
      fs::rename(temp, dir);
      fs::remove_all(old);
    } else {
      fs::rename(temp, dir);
    }
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(temp, ignored);
    throw;
  }
}

fs::path resolve_checkpoint(const fs::path& path) {
  if (fs::exists(path / kManifestFile)) return fs::canonical(path);
  if (fs::exists(path / "latest" / kManifestFile)) return fs::canonical(path / "latest");
  throw DataError(path.string() + ": not a checkpoint directory (no " + kManifestFile +
                  ") nor a run directory with a `latest` checkpoint");
}

CheckpointManifest read_manifest(const fs::path& dir) {
  const fs::path file = dir / kManifestFile;
  std::ifstream f(file);
  if (!f) throw DataError("cannot open " + file.string());
  json doc;
  try {
    doc = json::parse(f);
  } catch (const json::exception& e) {
    throw DataError(file.string() + ": not valid JSON: " + e.what());
  }
  return manifest_from_json(doc, file.string());
}

void rewrite_manifest(const fs::path& dir, const CheckpointManifest& manifest) {
  if (!fs::exists(dir / kManifestFile)) {
    throw DataError(dir.string() + ": not a checkpoint directory (no " + kManifestFile + ")");
  }
  write_text_file_atomic(dir / kManifestFile, to_json(manifest).dump(2) + "\n");
}

void load_weights(const fs::path& dir, torch::nn::Module& model) {
  const fs::path file = dir / kWeightsFile;
  io::load_state_dict(model, io::read_safetensors(file).tensors, file.string());
}

void load_optimizer(const fs::path& dir, torch::optim::Optimizer& optimizer,
                    const c10::Device& device) {
  const fs::path file = dir / kOptimizerFile;
  if (!fs::exists(file)) {
    throw DataError(dir.string() + ": no optimizer state (" + kOptimizerFile +
                    "); weights-only checkpoints cannot be resumed");
  }
  torch::load(optimizer, file.string(), device);
}

void point_link(const fs::path& link, const fs::path& target) {
  const fs::path temp = temporary_sibling(link);
  fs::remove(temp);
  fs::create_directory_symlink(target, temp);
  fs::rename(temp, link);  // rename(2) replaces an existing link atomically
}

}  // namespace astrom3::train

#include "astrom3/train/checkpoint.h"

#include <torch/torch.h>

#include <fstream>
#include <sstream>
#include <system_error>

#include <unistd.h>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/error.h"
#include "astrom3/common/rng.h"
#include "astrom3/common/sha256.h"
#include "astrom3/common/torch_compat.h"
#include "astrom3/common/version.h"
#include "astrom3/data/schema.h"
#include "astrom3/io/safetensors.h"
#include "astrom3/io/state_dict.h"
#include "astrom3/train/optimizer.h"

namespace astrom3::train {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A sibling name that no checkpoint uses, unique per process and call.
fs::path temporary_sibling(const fs::path& path) {
  static std::uint64_t counter = 0;
  const auto tag = mix64(static_cast<std::uint64_t>(::getpid()) * 1000003ULL + ++counter);
  return path.parent_path() /
         ("." + path.filename().string() + ".tmp-" + std::to_string(tag % 1000000007ULL));
}

}  // namespace

CheckpointManifest make_manifest(CheckpointKind kind, nlohmann::json config, nlohmann::json model,
                                 const data::SplitData* data) {
  CheckpointManifest m;
  m.kind = kind;
  m.config = std::move(config);
  m.model = std::move(model);
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

void require_kind(const CheckpointManifest& manifest, CheckpointKind kind, const fs::path& dir,
                  const std::string& user) {
  if (manifest.kind == kind) return;
  throw ConfigError(dir.string() + " is a \"" + kind_name(manifest.kind) + "\" checkpoint; " +
                    user + " needs a " + kind_name(kind) + " checkpoint");
}

json to_json(const CheckpointManifest& m) {
  return {{"format", kCheckpointFormat},
          {"format_version", kCheckpointFormatVersion},
          {"kind", kind_name(m.kind)},
          {"astrom3_version", m.astrom3_version},
          {"libtorch_version", m.libtorch_version},
          {"model", m.model},
          {"class_names", m.class_names},
          {"normalization",
           {{"mean", m.normalization.mean},
            {"std", m.normalization.std},
            {"source", m.normalization_source}}},
          {"split_set", {{"name", m.split_set}, {"membership_hash", m.split_hash}}},
          {"training_state", to_json(m.state)},
          {"metrics", m.metrics},
          {"init", m.init},
          {"calibration", m.calibration ? eval::to_json(*m.calibration) : json(nullptr)},
          {"open_set", m.open_set ? eval::to_json(*m.open_set) : json(nullptr)},
          {"sha256", m.sha256},
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
    const auto kind = doc.at("kind").get<std::string>();
    if (const auto parsed = parse_enum(kind, checkpoint_kind_names())) {
      m.kind = *parsed;
    } else {
      throw DataError(source + ": checkpoint kind \"" + kind + "\" is not " +
                      names_list(checkpoint_kind_names()));
    }
    m.astrom3_version = doc.at("astrom3_version").get<std::string>();
    m.libtorch_version = doc.at("libtorch_version").get<std::string>();
    m.model = doc.at("model");
    m.class_names = doc.at("class_names").get<std::vector<std::string>>();
    m.normalization.mean = doc.at("normalization").at("mean").get<std::vector<double>>();
    m.normalization.std = doc.at("normalization").at("std").get<std::vector<double>>();
    m.normalization_source = doc.at("normalization").value("source", "");
    m.split_set = doc.at("split_set").at("name").get<std::string>();
    m.split_hash = doc.at("split_set").at("membership_hash").get<std::string>();
    m.state = training_state_from_json(doc.at("training_state"));
    m.metrics = doc.at("metrics");
    m.init = doc.value("init", json::object());
    if (doc.contains("calibration") && !doc.at("calibration").is_null()) {
      m.calibration = eval::calibration_from_json(doc.at("calibration"), source);
    }
    if (doc.contains("open_set") && !doc.at("open_set").is_null()) {
      m.open_set = eval::open_set_from_json(doc.at("open_set"), source);
    }
    if (doc.contains("sha256"))
      m.sha256 = doc.at("sha256").get<std::map<std::string, std::string>>();
    m.config = doc.at("config");
    return m;
  } catch (const json::exception& e) {
    throw DataError(source + ": malformed checkpoint manifest: " + e.what());
  } catch (const std::invalid_argument& e) {
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
    m.sha256[kWeightsFile] = sha256_file(temp / kWeightsFile);
    if (optimizer) {
      // Serialised in memory first: LibTorch's file writer throws from its destructor when the
      // disk fills, which terminates the process instead of reporting the error.
      std::ostringstream archive;
      torch::save(*optimizer, archive);
      const std::string bytes = archive.str();
      write_file_synced(temp / kOptimizerFile, bytes);
      Sha256 digest;
      digest.update(bytes.data(), bytes.size());
      m.sha256[kOptimizerFile] = digest.hex_digest();
    }
    write_text_file_atomic(temp / kManifestFile, to_json(m).dump(2) + "\n");
    sync_to_disk(temp);
    // Replace an existing checkpoint of the same name only once the new one is complete.
    if (fs::exists(dir)) {
      const fs::path old = temporary_sibling(dir);
      fs::rename(dir, old);
      fs::rename(temp, dir);
      fs::remove_all(old);
    } else {
      fs::rename(temp, dir);
    }
    sync_to_disk(dir.parent_path().empty() ? fs::path(".") : dir.parent_path());
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(temp, ignored);
    throw;
  }
}

fs::path resolve_checkpoint(const fs::path& path) {
  if (fs::exists(path / kManifestFile)) return fs::canonical(path);
  if (fs::exists(path / "latest" / kManifestFile)) return fs::canonical(path / "latest");
  std::error_code ec;
  if (fs::is_symlink(path / "latest", ec)) {
    // A dangling `latest` (its checkpoint deleted or damaged): point at what can be resumed.
    std::string newest;
    if (fs::is_directory(path / "checkpoints", ec)) {
      for (const auto& entry : fs::directory_iterator(path / "checkpoints", ec)) {
        const auto name = entry.path().filename().string();
        if (name.rfind("epoch-", 0) == 0 && fs::exists(entry.path() / kManifestFile) &&
            name > newest) {
          newest = name;
        }
      }
    }
    throw DataError((path / "latest").string() + " points to " +
                    fs::read_symlink(path / "latest", ec).string() + ", which holds no checkpoint" +
                    (newest.empty() ? std::string("; no other checkpoint of the run is intact")
                                    : "; the newest intact one can be resumed: --resume " +
                                          (path / "checkpoints" / newest).string()));
  }
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

fs::path verified_file(const fs::path& dir, const std::string& name) {
  const fs::path file = dir / name;
  const auto manifest = read_manifest(dir);
  const auto recorded = manifest.sha256.find(name);
  if (recorded == manifest.sha256.end()) return file;
  if (!fs::exists(file)) {
    throw DataError(file.string() + ": missing, though " + (dir / kManifestFile).string() +
                    " lists it");
  }
  const auto actual = sha256_file(file);
  if (actual != recorded->second) {
    throw DataError(file.string() + ": its SHA-256 " + actual + " differs from the " +
                    recorded->second + " recorded in " + (dir / kManifestFile).string() +
                    ": the file was damaged or changed after the checkpoint was written");
  }
  return file;
}

void load_weights(const fs::path& dir, torch::nn::Module& model) {
  const fs::path file = verified_file(dir, kWeightsFile);
  io::load_state_dict(model, io::read_safetensors(file).tensors, file.string());
}

void load_optimizer(const fs::path& dir, torch::optim::Optimizer& optimizer,
                    const c10::Device& device) {
  const fs::path file = dir / kOptimizerFile;
  if (!fs::exists(file)) {
    throw DataError(dir.string() + ": no optimizer state (" + kOptimizerFile +
                    "); weights-only checkpoints cannot be resumed");
  }
  verified_file(dir, kOptimizerFile);
  try {
    torch::load(optimizer, file.string(), device);
  } catch (const c10::Error& e) {
    throw DataError(file.string() +
                    ": not a readable optimiser state: " + e.what_without_backtrace());
  }
  check_optimizer_state(optimizer, file);
}

void check_resume_data(const CheckpointManifest& resumed, const data::SplitData& data,
                       const std::string& source) {
  if (resumed.split_set == data.split_set && resumed.split_hash == data.split_hash) return;
  throw ConfigError("--resume " + source + ": the checkpoint was trained on split set " +
                    resumed.split_set + " (membership hash " + resumed.split_hash +
                    "), the data now give split set " + data.split_set + " (membership hash " +
                    data.split_hash +
                    "); resuming would continue another experiment. Resume with the run's "
                    "data.path and data.split_set, or start a new run with --out");
}

void point_link(const fs::path& link, const fs::path& target) {
  const fs::path temp = temporary_sibling(link);
  fs::remove(temp);
  fs::create_directory_symlink(target, temp);
  fs::rename(temp, link);  // rename(2) replaces an existing link atomically
  sync_to_disk(link.parent_path().empty() ? fs::path(".") : link.parent_path());
}

}  // namespace astrom3::train

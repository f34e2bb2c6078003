#include "cli/checkpoint_data.h"

#include <spdlog/spdlog.h>

#include "astrom3/common/device.h"
#include "astrom3/common/error.h"
#include "cli/config_flags.h"

namespace astrom3::cli {

CheckpointData load_checkpoint_data(const std::string& checkpoint, const std::string& data_path,
                                    const GlobalFlags& global) {
  CheckpointData c;
  c.dir = train::resolve_checkpoint(checkpoint);
  c.manifest = train::read_manifest(c.dir);
  std::vector<std::pair<std::string, nlohmann::json>> typed;
  if (!data_path.empty()) typed.emplace_back("data.path", data_path);
  c.config = resolve_config(ConfigFlags{}, global, typed, c.manifest.config);
  c.model = config::model_options_from_json(c.manifest.model);
  c.data = data::load_split_data(c.config.data, worker_threads(c.config.runtime.threads));
  if (!c.manifest.split_hash.empty() && c.manifest.split_hash != c.data.split_hash) {
    spdlog::warn(
        "[data] split set {} of {} has a different membership than the one {} was "
        "trained on (hash {} vs {}): its val/test objects may have been trained on",
        c.data.split_set, c.config.data.path, c.dir.string(), c.data.split_hash,
        c.manifest.split_hash);
  }
  return c;
}

std::shared_ptr<const data::SampleStore> split_store(const data::SplitData& data,
                                                     const std::string& split) {
  if (split == "train") return data.train;
  if (split == "val") return data.val;
  if (split == "test") return data.test;
  throw ConfigError("unknown split \"" + split + "\" (expected train, val or test)");
}

}  // namespace astrom3::cli

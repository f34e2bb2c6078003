#include "cli/predict_command.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <algorithm>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/device.h"
#include "astrom3/common/error.h"
#include "astrom3/eval/class_predictions.h"
#include "astrom3/eval/prediction_file.h"
#include "astrom3/model/modality_encoder.h"
#include "astrom3/train/checkpoint.h"
#include "cli/checkpoint_data.h"
#include "cli/exit_codes.h"
#include "cli/shard_flags.h"

namespace astrom3::cli {
namespace fs = std::filesystem;

CLI::App* add_predict_command(CLI::App& app, PredictArgs& args) {
  auto* cmd = app.add_subcommand(
      "predict", "Classify a survey's objects with a fine-tuned classifier (CSV or HDF5)");
  cmd->add_option("--checkpoint", args.checkpoint,
                  "classifier checkpoint or run directory (its latest; RUN/best for the best)");
  cmd->add_option("--data", args.data, "survey file (default: the checkpoint's)");
  cmd->add_option("--out,-o", args.out, "output file: .csv, .h5 or .hdf5")->required();
  cmd->add_option("--split", args.split,
                  "objects to classify: all (train, val, test and unlabeled), train, val, test "
                  "or unlabeled")
      ->check(CLI::IsMember({"all", "train", "val", "test", "unlabeled"}));
  cmd->add_option("--shard", args.shard,
                  "classify only shard I of N (0-based) of the objects, into "
                  "OUT-stem.shard-IIIII-of-NNNNN.EXT (a distributed launch shards by rank)");
  cmd->add_option("--batch", args.batch, "objects per forward pass (default: the checkpoint's)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--block", args.block,
                  "objects preprocessed at a time; bounds the memory of the prepared inputs")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--merge", args.merge, "join the shard files given as arguments into --out");
  cmd->add_option("shards", args.inputs, "shard files to join (with --merge)");
  return cmd;
}

namespace {

int merge_shards(const PredictArgs& args) {
  if (!args.checkpoint.empty() || !args.data.empty() || !args.shard.empty()) {
    throw ConfigError(
        "predict --merge joins existing shard files; it takes no --checkpoint, --data or "
        "--shard");
  }
  if (args.inputs.empty()) {
    throw ConfigError(
        "predict --merge: name the shard files, e.g. predict --merge --out all.csv "
        "all.shard-*.csv");
  }
  const std::vector<fs::path> shards(args.inputs.begin(), args.inputs.end());
  const auto objects = eval::merge_prediction_files(shards, args.out);
  spdlog::info("[predict] merged {} shards into {} ({} objects)", shards.size(), args.out, objects);
  return kExitSuccess;
}

}  // namespace

int run_predict(const PredictArgs& args, const GlobalFlags& global) {
  if (args.merge) return merge_shards(args);
  if (!args.inputs.empty()) {
    throw ConfigError("predict: positional arguments are shard files for --merge");
  }
  if (args.checkpoint.empty()) throw ConfigError("predict: --checkpoint is required");
  // A CLIP checkpoint is refused before the survey is read (which can take minutes).
  const auto dir = train::resolve_checkpoint(args.checkpoint);
  if (const auto kind = train::read_manifest(dir).kind; kind != "classifier") {
    throw ConfigError(dir.string() + " is a \"" + kind +
                      "\" checkpoint; predict needs a classifier checkpoint (from finetune)");
  }
  const auto sharding = resolve_command_shard(args.shard, args.out, "predict");
  eval::is_csv_output(sharding.out);  // an unknown extension fails before any work
  prepare_output_location(sharding.out);

  // The split set's rows, none prepared here: objects are prepared block by block below.
  std::vector<std::int64_t> rows_of[3];
  const auto keep_rows = [&](std::vector<std::int64_t>& train, std::vector<std::int64_t>& val,
                             std::vector<std::int64_t>& test) {
    rows_of[0].swap(train);
    rows_of[1].swap(val);
    rows_of[2].swap(test);
  };
  const auto c = load_checkpoint_data(args.checkpoint, args.data, global, keep_rows);
  auto classifier = load_classifier(c, "predict");
  const auto device = resolve_device(c.config.runtime.device);
  auto loader = c.config.loader;
  if (args.batch > 0) loader.batch_size = args.batch;

  // The requested splits in file order; the shard is a contiguous range of their objects.
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> parts = {
      {"train", rows_of[0]},
      {"val", rows_of[1]},
      {"test", rows_of[2]},
      {"unlabeled", c.data.survey->split_set(c.data.split_set).unlabeled}};
  parts.erase(
      std::remove_if(parts.begin(), parts.end(),
                     [&](const auto& p) { return args.split != "all" && p.first != args.split; }),
      parts.end());
  std::int64_t catalogue = 0;
  for (const auto& p : parts) catalogue += static_cast<std::int64_t>(p.second.size());
  const auto keep = dist::shard_range(catalogue, sharding.shard);
  std::int64_t offset = 0;
  for (auto& [name, rows] : parts) {
    const auto n = static_cast<std::int64_t>(rows.size());
    const auto begin = std::clamp<std::int64_t>(keep.begin - offset, 0, n);
    const auto end = std::clamp<std::int64_t>(keep.end - offset, 0, n);
    rows = std::vector<std::int64_t>(rows.begin() + begin, rows.begin() + end);
    offset += n;
  }

  eval::PredictionFileInfo info;
  info.checkpoint = c.dir.string();
  info.split_set = c.data.split_set;
  info.class_names = c.data.survey->class_names;
  for (auto m : classifier->modalities()) info.modalities.push_back(model::modality_name(m));
  info.temperature = calibrated_temperature(c);
  info.shard_index = sharding.shard.index;
  info.shard_count = sharding.shard.count;
  info.catalogue_objects = catalogue;
  if (!c.manifest.calibration) {
    spdlog::warn(
        "[predict] {} is not calibrated (fine-tuned before astrom3 fitted temperatures, or "
        "without labelled val objects): probabilities are the raw softmax",
        c.dir.string());
  }

  std::string counts_by_split;
  for (const auto& [name, rows] : parts) {
    counts_by_split +=
        (counts_by_split.empty() ? "" : ", ") + std::to_string(rows.size()) + " " + name;
  }
  spdlog::info("[predict] classifying {} objects ({}) with the {} classifier {}", keep.size(),
               counts_by_split, c.config.finetune.mode, c.dir.string());
  eval::PredictionWriter writer(sharding.out, info);
  const int threads = worker_threads(c.config.runtime.threads);
  std::int64_t objects = 0, unusable = 0;
  std::vector<std::int64_t> per_class(info.class_names.size(), 0);
  for (const auto& [name, rows] : parts) {
    for (std::size_t b = 0; b < rows.size(); b += static_cast<std::size_t>(args.block)) {
      const auto e = std::min(rows.size(), b + static_cast<std::size_t>(args.block));
      auto store = std::make_shared<const data::SampleStore>(
          c.data.survey, std::vector<std::int64_t>(rows.begin() + b, rows.begin() + e),
          c.data.normalization, c.config.data, threads);
      const auto p =
          eval::predict_classes(*classifier, store, loader, device, {}, info.temperature);
      writer.append(p, name);
      objects += static_cast<std::int64_t>(p.ids.size());
      if (p.ids.empty()) continue;
      unusable += p.usable.logical_not().sum().item<std::int64_t>();
      const auto predicted = p.probabilities.argmax(1).masked_select(p.usable).contiguous();
      for (std::int64_t i = 0; i < predicted.numel(); ++i) {
        ++per_class[predicted.data_ptr<std::int64_t>()[i]];
      }
    }
  }
  writer.commit();
  std::string counts;
  for (std::size_t k = 0; k < per_class.size(); ++k) {
    if (per_class[k] > 0) {
      counts +=
          (counts.empty() ? "" : ", ") + info.class_names[k] + " " + std::to_string(per_class[k]);
    }
  }
  spdlog::info("[predict] wrote {}: {} objects{}, temperature {:.3f}; predicted {}{}",
               sharding.out.string(), objects,
               sharding.shard.count > 1 ? " (shard " + std::to_string(sharding.shard.index) +
                                              " of " + std::to_string(sharding.shard.count) + ")"
                                        : std::string(),
               info.temperature, counts.empty() ? "nothing" : counts,
               unusable > 0 ? "; " + std::to_string(unusable) +
                                  " without the classifier's modalities (reason given)"
                            : std::string());
  return kExitSuccess;
}

}  // namespace astrom3::cli

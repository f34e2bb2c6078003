#include "cli/predict_command.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <algorithm>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/device.h"
#include "astrom3/common/error.h"
#include "astrom3/data/survey_io.h"
#include "astrom3/eval/class_predictions.h"
#include "astrom3/eval/open_set.h"
#include "astrom3/eval/prediction_file.h"
#include "astrom3/model/modality_encoder.h"
#include "astrom3/train/checkpoint.h"
#include "astrom3/train/stop_signal.h"
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
                  "objects to classify: all (every object of the file), or train, val, test, "
                  "unlabeled or unseen of the checkpoint's split set")
      ->check(CLI::IsMember({"all", "train", "val", "test", "unlabeled", "unseen"}));
  cmd->add_option("--shard", args.shard,
                  "classify only shard I of N (0-based) of the objects, into the HDF5 file "
                  "OUT-stem.shard-IIIII-of-NNNNN.h5 (a distributed launch shards by rank)");
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
  const auto shards =
      merge_inputs("predict", !args.checkpoint.empty() || !args.data.empty() || !args.shard.empty(),
                   args.inputs, "all.csv");
  const auto objects = eval::merge_prediction_files(shards, args.out);
  spdlog::info("[predict] merged {} shards into {} ({} objects)", shards.size(), args.out, objects);
  return kExitSuccess;
}

}  // namespace

namespace {

// Each survey row's split in `set` ("" for rows in none of its lists, or without a set).
std::vector<std::string> split_names(const data::Survey& survey, const data::SplitSet* set) {
  std::vector<std::string> names(static_cast<std::size_t>(survey.size()));
  if (!set) return names;
  for (const auto& [name, rows] :
       {std::make_pair("train", &set->train), std::make_pair("val", &set->val),
        std::make_pair("test", &set->test), std::make_pair("unlabeled", &set->unlabeled),
        std::make_pair("unseen", &set->unseen)}) {
    for (auto r : *rows) names[static_cast<std::size_t>(r)] = name;
  }
  return names;
}

}  // namespace

int run_predict(const PredictArgs& args, const GlobalFlags& global) {
  if (args.merge) return merge_shards(args);
  if (!args.inputs.empty()) {
    throw ConfigError("predict: positional arguments are shard files for --merge");
  }
  if (args.checkpoint.empty()) throw ConfigError("predict: --checkpoint is required");
  // Everything that can be refused is refused before the survey is read (minutes for large
  // ones).
  auto c = open_checkpoint(args.checkpoint, args.data, global);
  if (c.manifest.kind != "classifier") {
    throw ConfigError(c.dir.string() + " is a \"" + c.manifest.kind +
                      "\" checkpoint; predict needs a classifier checkpoint (from finetune)");
  }
  const auto sharding = resolve_command_shard(args.shard, args.out, "predict");
  if (sharding.shard.count > 1 && eval::is_csv_output(args.out)) {
    throw ConfigError(
        "predict --shard writes HDF5 shards (they record their run, so --merge "
        "can check them): name --out FILE.h5; --merge --out FILE.csv converts");
  }
  eval::is_csv_output(sharding.out);
  const fs::path data_path = c.config.data.path;
  std::error_code ignored;
  if (fs::equivalent(sharding.out, data_path, ignored)) {
    throw ConfigError("predict: --out " + sharding.out.string() + " is the survey file itself");
  }
  prepare_output_location(sharding.out);
  train::StopSignalScope stop_signals;

  c.data.survey = std::make_shared<const data::Survey>(data::read_survey(data_path));
  const auto& survey = *c.data.survey;
  // The checkpoint's split set, when this file has one of that name: it names each row's
  // split. A survey the model never saw (a new catalogue) needs none.
  const auto found = survey.split_sets.find(c.config.data.split_set);
  const data::SplitSet* set = found == survey.split_sets.end() ? nullptr : &found->second;
  c.data.split_set = set ? found->first : "";
  // Inputs are scaled as in training: the checkpoint's statistics. Imported weights record
  // none; then the split set's.
  if (c.manifest.normalization.mean.size() == data::kNumNormCols) {
    c.data.normalization = c.manifest.normalization;
  } else if (set) {
    c.data.normalization = set->normalization;
    spdlog::warn("[predict] {} records no normalization statistics: using those of split set {}",
                 c.dir.string(), c.data.split_set);
  } else {
    throw DataError(c.dir.string() + " records no normalization statistics, and " +
                    data_path.string() + " has no split set " + c.config.data.split_set +
                    " to take them from");
  }
  auto classifier = load_classifier(c, "predict");
  const auto device = resolve_device(c.config.runtime.device);
  auto loader = c.config.loader;
  if (args.batch > 0) loader.batch_size = args.batch;

  // Every object of the file in file order, or those of one split; a shard is a contiguous
  // range of them.
  const auto splits = split_names(survey, set);
  if (args.split != "all" && !set) {
    throw DataError(data_path.string() + " has no split set " + c.config.data.split_set +
                    " (the checkpoint's): --split " + args.split +
                    " needs it; --split all "
                    "classifies every object");
  }
  std::vector<std::int64_t> rows;
  for (std::int64_t r = 0; r < survey.size(); ++r) {
    if (args.split == "all" || splits[static_cast<std::size_t>(r)] == args.split) rows.push_back(r);
  }
  const auto catalogue = static_cast<std::int64_t>(rows.size());
  if (catalogue == 0) {
    spdlog::warn("[predict] no object of {} is in the {} split: the output has no rows",
                 data_path.string(), args.split);
  }
  const auto keep = dist::shard_range(catalogue, sharding.shard);
  rows = std::vector<std::int64_t>(rows.begin() + keep.begin, rows.begin() + keep.end);

  eval::PredictionFileInfo info;
  info.checkpoint = c.dir.string();
  info.data = fs::absolute(data_path).lexically_normal().string();
  info.split_set = c.data.split_set;
  info.class_names = survey.class_names;
  for (auto m : classifier->modalities()) info.modalities.push_back(model::modality_name(m));
  info.temperature = calibrated_temperature(c);
  if (c.manifest.open_set) {
    info.unknown_score_method = eval::unknown_score_name(c.manifest.open_set->score);
    info.unknown_threshold = c.manifest.open_set->threshold;
  }
  info.shard_index = sharding.shard.index;
  info.shard_count = sharding.shard.count;
  info.catalogue_objects = catalogue;
  spdlog::info("[predict] classifying {} objects of {} ({}) with the {} classifier {}", rows.size(),
               data_path.string(),
               set ? "split set " + c.data.split_set + ", " + args.split
                   : "no split set " + c.config.data.split_set + " in the file",
               c.config.finetune.mode, c.dir.string());
  if (!c.manifest.calibration) {
    spdlog::warn(
        "[predict] {} has no calibration and no unknown-class detector: its fine-tuning did "
        "not finish (resume it to calibrate), had fewer than 20 labelled val objects the "
        "classifier reads, or predates astrom3's calibration; the probabilities are the raw "
        "softmax",
        c.dir.string());
  }

  eval::PredictionWriter writer(sharding.out, info);
  const int threads = worker_threads(c.config.runtime.threads);
  std::int64_t objects = 0, unusable = 0, unknown = 0;
  std::vector<std::int64_t> per_class(info.class_names.size(), 0);
  for (std::size_t b = 0; b < rows.size(); b += static_cast<std::size_t>(args.block)) {
    if (train::stop_requested()) {
      spdlog::warn("[predict] stopped by signal {} after {} of {} objects; nothing written",
                   train::stop_requested(), objects, rows.size());
      return kExitInterrupted;
    }
    const auto e = std::min(rows.size(), b + static_cast<std::size_t>(args.block));
    std::vector<std::int64_t> block(rows.begin() + b, rows.begin() + e);
    std::vector<std::string> block_splits;
    for (auto r : block) block_splits.push_back(splits[static_cast<std::size_t>(r)]);
    auto store = std::make_shared<const data::SampleStore>(
        c.data.survey, std::move(block), c.data.normalization, c.config.data, threads);
    const auto p = eval::predict_classes(*classifier, store, loader, device, {}, info.temperature);
    torch::Tensor scores;
    if (c.manifest.open_set && !p.ids.empty()) {
      scores = eval::unknown_scores(*c.manifest.open_set, p.logits);
      unknown += scores.gt(info.unknown_threshold).logical_and(p.usable).sum().item<std::int64_t>();
    }
    writer.append(p, block_splits, scores);
    objects += static_cast<std::int64_t>(p.ids.size());
    if (p.ids.empty()) continue;
    unusable += p.usable.logical_not().sum().item<std::int64_t>();
    const auto predicted = p.probabilities.argmax(1).masked_select(p.usable).contiguous();
    for (std::int64_t i = 0; i < predicted.numel(); ++i) {
      ++per_class[predicted.data_ptr<std::int64_t>()[i]];
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
  spdlog::info(
      "[predict] wrote {}: {} objects{}, temperature {:.3f}; predicted {}{}{}",
      sharding.out.string(), objects,
      sharding.shard.count > 1 ? " (shard " + std::to_string(sharding.shard.index) + " of " +
                                     std::to_string(sharding.shard.count) + ")"
                               : std::string(),
      info.temperature, counts.empty() ? "nothing" : counts,
      unusable > 0
          ? "; " + std::to_string(unusable) + " without the classifier's modalities (reason given)"
          : std::string(),
      c.manifest.open_set ? fmt::format("; {} flagged unknown ({} score above {:.4g})", unknown,
                                        info.unknown_score_method, info.unknown_threshold)
                          : std::string("; no unknown-class detector"));
  return kExitSuccess;
}

}  // namespace astrom3::cli

#include "cli/predict_command.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <algorithm>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/device.h"
#include "astrom3/common/error.h"
#include "astrom3/data/survey_reader.h"
#include "astrom3/eval/class_predictions.h"
#include "astrom3/eval/open_set.h"
#include "astrom3/eval/prediction_file.h"
#include "astrom3/model/modality_encoder.h"
#include "astrom3/train/checkpoint.h"
#include "astrom3/train/stop_signal.h"
#include "cli/checkpoint_data.h"
#include "cli/exit_codes.h"
#include "cli/precision_flag.h"
#include "cli/shard_flags.h"
#include "cli/validators.h"

namespace astrom3::cli {
namespace fs = std::filesystem;

CLI::App* add_predict_command(CLI::App& app, PredictArgs& args) {
  auto* cmd = app.add_subcommand(
      "predict", "Classify a survey's objects with a fine-tuned classifier (CSV or HDF5)");
  cmd->add_option("--checkpoint", args.checkpoint,
                  "classifier checkpoint or run directory (its latest; RUN/best for the best)");
  cmd->add_option("--data", args.data, "survey file (default: the checkpoint's)");
  cmd->add_option("--out,-o", args.out, "output file: .csv, .h5 or .hdf5 (required)");
  cmd->add_option("--split", args.split,
                  "objects to classify: all (every object of the file), or train, val, test, "
                  "unlabeled or unseen of the checkpoint's split set")
      ->check(CLI::IsMember({"all", "train", "val", "test", "unlabeled", "unseen"}));
  cmd->add_option("--shard", args.shard,
                  "classify only shard I of N (0-based) of the objects, into the HDF5 file "
                  "OUT-stem.shard-IIIII-of-NNNNN.h5 (a distributed launch shards by rank)");
  cmd->add_option("--batch", args.batch,
                  "objects per forward pass (loader.batch_size; default: the checkpoint's)")
      ->check(positive());
  cmd->add_option("--block", args.block,
                  "objects preprocessed at a time; bounds the memory of the prepared inputs")
      ->check(positive());
  cmd->add_flag("--merge", args.merge, "join the shard files given as arguments into --out");
  cmd->add_option("shards", args.inputs, "shard files to join (with --merge)");
  add_precision_flag(*cmd, args.precision);
  add_config_flags(*cmd, args.config);
  return cmd;
}

namespace {

int merge_shards(const PredictArgs& args) {
  require_flag(args.out, "predict", "--out");
  const auto shards =
      merge_inputs("predict",
                   !args.checkpoint.empty() || !args.data.empty() || !args.shard.empty() ||
                       given(args.config) || args.precision.given,
                   args.inputs, "all.csv");
  const auto objects = eval::merge_prediction_files(shards, args.out);
  spdlog::info("[predict] merged {} shards into {} ({} objects)", shards.size(), args.out, objects);
  return kExitSuccess;
}

}  // namespace

namespace {

data::SplitMembership parse_split(const std::string& split) {
  for (auto m :
       {data::SplitMembership::train, data::SplitMembership::val, data::SplitMembership::test,
        data::SplitMembership::unlabeled, data::SplitMembership::unseen}) {
    if (split == data::split_membership_name(m)) return m;
  }
  return data::SplitMembership::none;  // "all"
}

// The classifier checkpoint and this run's shard and output, checked before the survey is
// read (minutes for large ones): everything that can be refused is refused first.
struct PredictRun {
  CheckpointData c;
  CommandShard sharding;
};

CheckpointSettings settings_of(const PredictArgs& args) {
  CheckpointSettings settings{"predict", args.data, args.config, {}};
  add_typed(settings.typed, "loader.batch_size", args.batch);
  return settings;
}

PredictRun open_classifier_checkpoint(const PredictArgs& args, const GlobalFlags& global) {
  auto c = open_checkpoint(args.checkpoint, global, settings_of(args));
  train::require_kind(c.manifest, train::CheckpointKind::kClassifier, c.dir, "predict");
  auto sharding = resolve_command_shard(args.shard, args.out, "predict");
  if (sharding.shard.count > 1 && eval::is_csv_output(args.out)) {
    throw ConfigError(
        "predict --shard writes HDF5 shards (they record their run, so --merge "
        "can check them): name --out FILE.h5; --merge --out FILE.csv converts");
  }
  eval::is_csv_output(sharding.out);
  std::error_code ignored;
  if (fs::equivalent(sharding.out, c.config.data.path, ignored)) {
    throw ConfigError("predict: --out " + sharding.out.string() + " is the survey file itself");
  }
  prepare_output_location(sharding.out);
  return {std::move(c), std::move(sharding)};
}

// Attaches the file's split set (when it has the checkpoint's) and the normalization the
// inputs are scaled with: the checkpoint's statistics, or for imported weights, which record
// none, the split set's.
void attach_survey(CheckpointData& c, const data::SurveyReader& reader, const std::string& split) {
  const auto& path = reader.path();
  const bool has_set = reader.has_split_set(c.config.data.split_set);
  // A survey the model never saw (a new catalogue) needs no split set.
  c.data.split_set = has_set ? c.config.data.split_set : "";
  if (split != "all" && !has_set) {
    throw DataError(path.string() + " has no split set " + c.config.data.split_set +
                    " (the checkpoint's): --split " + split +
                    " needs it; --split all classifies every object");
  }
  if (c.manifest.normalization.mean.size() == data::kNumNormCols) {
    c.data.normalization = c.manifest.normalization;
  } else if (has_set) {
    c.data.normalization = reader.normalization(c.data.split_set);
    spdlog::warn("[predict] {} records no normalization statistics: using those of split set {}",
                 c.dir.string(), c.data.split_set);
  } else {
    throw DataError(c.dir.string() + " records no normalization statistics, and " + path.string() +
                    " has no split set " + c.config.data.split_set + " to take them from");
  }
}

eval::PredictionFileInfo file_info(const CheckpointData& c, const data::SurveyReader& reader,
                                   model::ClassifierImpl& classifier, const PredictArgs& args,
                                   const dist::Shard& shard, std::int64_t catalogue) {
  eval::PredictionFileInfo info;
  info.checkpoint = c.dir.string();
  info.data = fs::absolute(reader.path()).lexically_normal().string();
  info.split_set = c.data.split_set;
  info.selection = args.split;
  info.class_names = reader.class_names();
  for (auto m : classifier.modalities()) info.modalities.push_back(model::modality_name(m));
  info.temperature = calibrated_temperature(c);
  info.precision = name_of(args.precision.value, precision_names());
  if (c.manifest.open_set) {
    info.unknown_score_method = eval::unknown_score_name(c.manifest.open_set->score);
    info.unknown_threshold = c.manifest.open_set->threshold;
  }
  info.shard_index = shard.index;
  info.shard_count = shard.count;
  info.catalogue_objects = catalogue;
  return info;
}

// What the run predicted, for the closing log line.
struct PredictCounts {
  std::int64_t objects = 0, unusable = 0, unknown = 0;
  std::vector<std::int64_t> per_class;
};

// Classifies the selected rows block by block (--block rows read, preprocessed and predicted
// at a time) and appends each block's rows to `writer`. False when a stop signal came first.
bool classify_blocks(const PredictArgs& args, const CheckpointData& c,
                     const data::SurveyReader& reader, model::ClassifierImpl& classifier,
                     const std::vector<data::SplitMembership>& membership,
                     const data::RowSelection& selection, const eval::PredictionFileInfo& info,
                     eval::PredictionWriter& writer, PredictCounts& counts) {
  const bool all = args.split == "all";
  const auto wanted = parse_split(args.split);
  const auto device = resolve_device(c.config.runtime.device);
  const auto& loader = c.config.loader;
  const int threads = worker_threads(c.config.runtime.threads);
  for (std::int64_t b = selection.first_row, e = b; b < selection.end_row; b = e) {
    e = b + std::min(selection.end_row - b, args.block);  // a huge --block must not overflow
    if (train::stop_requested()) return false;
    auto survey = std::make_shared<const data::Survey>(reader.read_rows(b, e));
    std::vector<std::int64_t> block;
    std::vector<std::string> block_splits;
    for (std::int64_t r = b; r < e; ++r) {
      const auto m = membership.empty() ? data::SplitMembership::none
                                        : membership[static_cast<std::size_t>(r)];
      if (!all && m != wanted) continue;
      block.push_back(r - b);
      block_splits.push_back(data::split_membership_name(m));
    }
    if (block.empty()) continue;
    auto store = std::make_shared<const data::SampleStore>(
        std::move(survey), std::move(block), c.data.normalization, c.config.data, threads);
    const auto p = eval::predict_classes(classifier, store, loader, device, {}, info.temperature);
    torch::Tensor scores;
    if (c.manifest.open_set && !p.ids.empty()) {
      scores = eval::unknown_scores(*c.manifest.open_set, p.logits);
      counts.unknown +=
          scores.gt(info.unknown_threshold).logical_and(p.usable).sum().item<std::int64_t>();
    }
    writer.append(p, block_splits, scores);
    counts.objects += static_cast<std::int64_t>(p.ids.size());
    if (p.ids.empty()) continue;
    counts.unusable += p.usable.logical_not().sum().item<std::int64_t>();
    const auto predicted = p.probabilities.argmax(1).masked_select(p.usable).contiguous();
    for (std::int64_t i = 0; i < predicted.numel(); ++i) {
      ++counts.per_class[predicted.data_ptr<std::int64_t>()[i]];
    }
  }
  return true;
}

void log_summary(const fs::path& out, const eval::PredictionFileInfo& info,
                 const PredictCounts& counts, bool detector) {
  std::string per_class;
  for (std::size_t k = 0; k < counts.per_class.size(); ++k) {
    if (counts.per_class[k] == 0) continue;
    per_class += (per_class.empty() ? "" : ", ") + info.class_names[k] + " " +
                 std::to_string(counts.per_class[k]);
  }
  spdlog::info("[predict] wrote {}: {} objects{}, temperature {:.3f}; predicted {}{}{}",
               out.string(), counts.objects,
               info.shard_count > 1 ? " (shard " + std::to_string(info.shard_index) + " of " +
                                          std::to_string(info.shard_count) + ")"
                                    : std::string(),
               info.temperature, per_class.empty() ? "nothing" : per_class,
               counts.unusable > 0 ? "; " + std::to_string(counts.unusable) +
                                         " without the classifier's modalities (reason given)"
                                   : std::string(),
               detector
                   ? fmt::format("; {} flagged unknown ({} score above {:.4g})", counts.unknown,
                                 info.unknown_score_method, info.unknown_threshold)
                   : std::string("; no unknown-class detector"));
}

}  // namespace

int run_predict(const PredictArgs& args, const GlobalFlags& global) {
  if (args.merge) return merge_shards(args);
  if (!args.inputs.empty()) {
    throw ConfigError("predict: positional arguments are shard files for --merge");
  }
  require_flag(args.checkpoint, "predict", "--checkpoint");
  if (dump_checkpoint_config(args.checkpoint, global, settings_of(args))) {
    return kExitSuccess;
  }
  require_flag(args.out, "predict", "--out");
  auto [c, sharding] = open_classifier_checkpoint(args, global);
  train::StopSignalScope stop_signals;
  // The survey is read in blocks of rows (--block); only its split membership, one byte per
  // object, is held whole.
  data::SurveyReader reader(c.config.data.path);
  attach_survey(c, reader, args.split);
  auto classifier = load_classifier(c, reader.class_names(), "predict", args.precision.value);
  const auto membership = c.data.split_set.empty() ? std::vector<data::SplitMembership>()
                                                   : reader.split_membership(c.data.split_set);
  const auto selection = data::select_rows(reader.size(), membership, args.split == "all",
                                           parse_split(args.split), sharding.shard);
  if (selection.catalogue == 0) {
    spdlog::warn("[predict] no object of {} is in the {} split: the output has no rows",
                 reader.path().string(), args.split);
  }
  const auto info = file_info(c, reader, *classifier, args, sharding.shard, selection.catalogue);
  spdlog::info("[predict] classifying {} objects of {} ({}) with the {} classifier {}",
               selection.objects, reader.path().string(),
               c.data.split_set.empty() ? "no split set " + c.config.data.split_set + " in the file"
                                        : "split set " + c.data.split_set + ", " + args.split,
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
  PredictCounts counts;
  counts.per_class.assign(info.class_names.size(), 0);
  if (!classify_blocks(args, c, reader, *classifier, membership, selection, info, writer, counts)) {
    spdlog::warn("[predict] stopped by signal {} after {} of {} objects; nothing written",
                 train::stop_requested(), counts.objects, selection.objects);
    return kExitInterrupted;
  }
  writer.commit();
  log_summary(sharding.out, info, counts, c.manifest.open_set.has_value());
  return kExitSuccess;
}

}  // namespace astrom3::cli

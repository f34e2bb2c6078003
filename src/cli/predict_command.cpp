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
  cmd->add_option("--out,-o", args.out, "output file: .csv, .h5 or .hdf5")->required();
  cmd->add_option("--split", args.split,
                  "objects to classify: all (every object of the file), or train, val, test, "
                  "unlabeled or unseen of the checkpoint's split set")
      ->check(CLI::IsMember({"all", "train", "val", "test", "unlabeled", "unseen"}));
  cmd->add_option("--shard", args.shard,
                  "classify only shard I of N (0-based) of the objects, into the HDF5 file "
                  "OUT-stem.shard-IIIII-of-NNNNN.h5 (a distributed launch shards by rank)");
  cmd->add_option("--batch", args.batch, "objects per forward pass (default: the checkpoint's)")
      ->check(positive());
  cmd->add_option("--block", args.block,
                  "objects preprocessed at a time; bounds the memory of the prepared inputs")
      ->check(positive());
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

data::SplitMembership parse_split(const std::string& split) {
  for (auto m :
       {data::SplitMembership::train, data::SplitMembership::val, data::SplitMembership::test,
        data::SplitMembership::unlabeled, data::SplitMembership::unseen}) {
    if (split == data::split_membership_name(m)) return m;
  }
  return data::SplitMembership::none;  // "all"
}

// The objects one run classifies: every row of the file, or the rows whose membership is
// `wanted`, in file order; a shard takes a contiguous range of them, which lies in the file
// rows [first_row, end_row).
struct Selection {
  std::int64_t catalogue = 0;  // objects of all shards
  std::int64_t objects = 0;    // of this shard
  std::int64_t first_row = 0, end_row = 0;
};

Selection select_objects(std::int64_t rows, const std::vector<data::SplitMembership>& membership,
                         bool all, data::SplitMembership wanted, const dist::Shard& shard) {
  Selection s;
  s.catalogue =
      all ? rows
          : static_cast<std::int64_t>(std::count(membership.begin(), membership.end(), wanted));
  const auto keep = dist::shard_range(s.catalogue, shard);
  s.objects = keep.end - keep.begin;
  if (all) {
    s.first_row = keep.begin;
    s.end_row = keep.end;
    return s;
  }
  for (std::int64_t r = 0, k = 0; r < rows && k < keep.end; ++r) {
    if (membership[static_cast<std::size_t>(r)] != wanted) continue;
    if (k == keep.begin) s.first_row = r;
    if (++k == keep.end) s.end_row = r + 1;
  }
  if (s.objects == 0) s.first_row = s.end_row = 0;
  return s;
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

  // The survey is read in blocks of rows (--block); only its split membership, one byte per
  // object, is held whole.
  data::SurveyReader reader(data_path);
  // The checkpoint's split set, when this file has one of that name: it names each row's
  // split. A survey the model never saw (a new catalogue) needs none.
  const bool has_set = reader.has_split_set(c.config.data.split_set);
  c.data.split_set = has_set ? c.config.data.split_set : "";
  if (args.split != "all" && !has_set) {
    throw DataError(data_path.string() + " has no split set " + c.config.data.split_set +
                    " (the checkpoint's): --split " + args.split +
                    " needs it; --split all classifies every object");
  }
  // Inputs are scaled as in training: the checkpoint's statistics. Imported weights record
  // none; then the split set's.
  if (c.manifest.normalization.mean.size() == data::kNumNormCols) {
    c.data.normalization = c.manifest.normalization;
  } else if (has_set) {
    c.data.normalization = reader.normalization(c.data.split_set);
    spdlog::warn("[predict] {} records no normalization statistics: using those of split set {}",
                 c.dir.string(), c.data.split_set);
  } else {
    throw DataError(c.dir.string() + " records no normalization statistics, and " +
                    data_path.string() + " has no split set " + c.config.data.split_set +
                    " to take them from");
  }
  auto classifier = load_classifier(c, reader.class_names(), "predict");
  const auto device = resolve_device(c.config.runtime.device);
  auto loader = c.config.loader;
  if (args.batch > 0) loader.batch_size = args.batch;

  const auto membership =
      has_set ? reader.split_membership(c.data.split_set) : std::vector<data::SplitMembership>();
  const auto wanted = parse_split(args.split);
  const bool all = args.split == "all";
  const auto selection = select_objects(reader.size(), membership, all, wanted, sharding.shard);
  if (selection.catalogue == 0) {
    spdlog::warn("[predict] no object of {} is in the {} split: the output has no rows",
                 data_path.string(), args.split);
  }

  eval::PredictionFileInfo info;
  info.checkpoint = c.dir.string();
  info.data = fs::absolute(data_path).lexically_normal().string();
  info.split_set = c.data.split_set;
  info.selection = args.split;
  info.class_names = reader.class_names();
  for (auto m : classifier->modalities()) info.modalities.push_back(model::modality_name(m));
  info.temperature = calibrated_temperature(c);
  if (c.manifest.open_set) {
    info.unknown_score_method = eval::unknown_score_name(c.manifest.open_set->score);
    info.unknown_threshold = c.manifest.open_set->threshold;
  }
  info.shard_index = sharding.shard.index;
  info.shard_count = sharding.shard.count;
  info.catalogue_objects = selection.catalogue;
  spdlog::info("[predict] classifying {} objects of {} ({}) with the {} classifier {}",
               selection.objects, data_path.string(),
               has_set ? "split set " + c.data.split_set + ", " + args.split
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
  for (std::int64_t b = selection.first_row, e = b; b < selection.end_row; b = e) {
    e = b + std::min(selection.end_row - b, args.block);  // a huge --block must not overflow
    if (train::stop_requested()) {
      spdlog::warn("[predict] stopped by signal {} after {} of {} objects; nothing written",
                   train::stop_requested(), objects, selection.objects);
      return kExitInterrupted;
    }
    auto survey = std::make_shared<const data::Survey>(reader.read_rows(b, e));
    std::vector<std::int64_t> block;
    std::vector<std::string> block_splits;
    for (std::int64_t r = b; r < e; ++r) {
      if (!all && membership[static_cast<std::size_t>(r)] != wanted) continue;
      block.push_back(r - b);
      block_splits.push_back(
          has_set ? data::split_membership_name(membership[static_cast<std::size_t>(r)]) : "");
    }
    if (block.empty()) continue;
    auto store = std::make_shared<const data::SampleStore>(
        std::move(survey), std::move(block), c.data.normalization, c.config.data, threads);
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

#include "cli/embed_command.h"

#include <spdlog/spdlog.h>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/error.h"
#include "astrom3/common/logging.h"
#include "astrom3/dist/launch.h"
#include "astrom3/dist/shard.h"
#include "astrom3/eval/embedding_file.h"
#include "astrom3/eval/embedding_merge.h"
#include "astrom3/eval/embeddings.h"
#include "astrom3/model/astrom3_model.h"
#include "cli/checkpoint_data.h"
#include "cli/exit_codes.h"
#include "cli/precision_flag.h"
#include "cli/shard_flags.h"

namespace astrom3::cli {

CLI::App* add_embed_command(CLI::App& app, EmbedArgs& args) {
  auto* cmd = app.add_subcommand("embed", "Write a CLIP checkpoint's embeddings to HDF5");
  cmd->add_option("--checkpoint", args.checkpoint, "CLIP checkpoint or run directory");
  cmd->add_option("--data", args.data, "survey file (default: the checkpoint's)");
  cmd->add_option("--out,-o", args.out, "output HDF5 file (required)");
  cmd->add_option("--split", args.split, "all, train, val or test")
      ->check(CLI::IsMember({"all", "train", "val", "test"}));
  cmd->add_option("--shard", args.shard,
                  "embed only shard I of N (0-based) of the objects, into "
                  "OUT-stem.shard-IIIII-of-NNNNN.h5 (a distributed launch shards by rank)");
  cmd->add_flag("--merge", args.merge, "join the shard files given as arguments into --out");
  cmd->add_option("shards", args.inputs, "shard files to join (with --merge)");
  add_precision_flag(*cmd, args.precision);
  add_config_flags(*cmd, args.config);
  return cmd;
}

namespace {

int merge_shards(const EmbedArgs& args) {
  require_flag(args.out, "embed", "--out");
  const auto shards =
      merge_inputs("embed",
                   !args.checkpoint.empty() || !args.data.empty() || !args.shard.empty() ||
                       given(args.config) || args.precision.given,
                   args.inputs, "all.h5");
  prepare_output_location(args.out);
  const auto objects = eval::merge_embedding_files(shards, args.out);
  spdlog::info("[embed] merged {} shards into {} ({} objects)", shards.size(), args.out, objects);
  return kExitSuccess;
}

// What the embedding file records about its run: the checkpoint, split set, spaces, classes and
// this shard's place among the `catalogue` objects of the requested splits.
eval::EmbeddingFileInfo file_info(const CheckpointData& c, const std::vector<std::string>& splits,
                                  const dist::Shard& shard, std::int64_t catalogue,
                                  Precision precision) {
  eval::EmbeddingFileInfo info;
  info.checkpoint = c.dir.string();
  info.split_set = c.data.split_set;
  info.precision = name_of(precision, precision_names());
  info.modalities = c.model.modalities;
  info.class_names = c.data.survey->class_names;
  info.dim = c.model.embedding_dim;
  info.shard_index = shard.index;
  info.shard_count = shard.count;
  info.catalogue_objects = catalogue;
  for (const auto& s : splits) info.objects += split_store(c.data, s)->size();
  return info;
}

}  // namespace

int run_embed(const EmbedArgs& args, const GlobalFlags& global) {
  if (args.merge) return merge_shards(args);
  if (!args.inputs.empty()) {
    throw ConfigError("embed: positional arguments are shard files for --merge");
  }
  require_flag(args.checkpoint, "embed", "--checkpoint");
  const CheckpointSettings settings{"embed", args.data, args.config, {}};
  if (dump_checkpoint_config(args.checkpoint, global, settings)) {
    return kExitSuccess;
  }
  require_flag(args.out, "embed", "--out");

  const auto sharding = resolve_command_shard(args.shard, args.out, "embed");
  const auto& shard = sharding.shard;
  const auto& launch = sharding.launch;
  const auto& out = sharding.out;
  prepare_output_location(out);

  std::vector<std::string> splits = {args.split};
  if (args.split == "all") splits = {"train", "val", "test"};
  const auto wanted = [&](const char* s) {
    return std::find(splits.begin(), splits.end(), s) != splits.end();
  };
  // The shard is a contiguous range of the requested splits' objects in file order (train,
  // val, test), so the shards concatenate to the unsharded file; other rows are not prepared.
  std::int64_t catalogue = 0;
  const auto select = [&](std::vector<std::int64_t>& train, std::vector<std::int64_t>& val,
                          std::vector<std::int64_t>& test) {
    if (!wanted("train")) train.clear();
    if (!wanted("val")) val.clear();
    if (!wanted("test")) test.clear();
    catalogue = dist::keep_shard({&train, &val, &test}, shard);
  };
  const auto c = load_checkpoint_data(args.checkpoint, global, settings, select);
  auto model = load_clip_model(c, "embed", args.precision.value);
  const auto device = dist::rank_device(c.config.runtime.device, launch);
  model->to(device);

  const auto info = file_info(c, splits, shard, catalogue, args.precision.value);
  if (catalogue == 0) {
    spdlog::warn(
        "[embed] no object of {} is in the {} split(s) of split set {}: the file has no rows "
        "(embed reads split members only; `astrom3 inspect` lists the split sets)",
        c.config.data.path, args.split, c.data.split_set);
  }
  eval::EmbeddingFileWriter writer(out, info);
  for (const auto& s : splits) {
    eval::for_each_embedding_batch(*model, split_store(c.data, s), c.config.loader, device,
                                   [&](const eval::EmbeddingBatch& b) { writer.append(b, s); });
  }
  writer.commit();
  spdlog::info("[embed] wrote {} ({} objects{}, {} modalities + fused, {} dimensions)",
               out.string(), info.objects,
               shard.count > 1
                   ? ", shard " + std::to_string(shard.index) + " of " +
                         std::to_string(shard.count) + " of " + std::to_string(catalogue)
                   : std::string(),
               info.modalities.size(), info.dim);
  return kExitSuccess;
}

}  // namespace astrom3::cli

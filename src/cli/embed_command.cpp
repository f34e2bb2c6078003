#include "cli/embed_command.h"

#include <spdlog/spdlog.h>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/device.h"
#include "astrom3/common/error.h"
#include "astrom3/eval/embedding_file.h"
#include "astrom3/eval/embeddings.h"
#include "astrom3/model/astrom3_model.h"
#include "cli/checkpoint_data.h"
#include "cli/exit_codes.h"

namespace astrom3::cli {

CLI::App* add_embed_command(CLI::App& app, EmbedArgs& args) {
  auto* cmd = app.add_subcommand("embed", "Write a CLIP checkpoint's embeddings to HDF5");
  cmd->add_option("--checkpoint", args.checkpoint, "CLIP checkpoint or run directory")->required();
  cmd->add_option("--data", args.data, "survey file (default: the checkpoint's)");
  cmd->add_option("--out,-o", args.out, "output HDF5 file")->required();
  cmd->add_option("--split", args.split, "all, train, val or test")
      ->check(CLI::IsMember({"all", "train", "val", "test"}));
  return cmd;
}

int run_embed(const EmbedArgs& args, const GlobalFlags& global) {
  prepare_output_location(args.out);
  const auto c = load_checkpoint_data(args.checkpoint, args.data, global);
  auto model = load_clip_model(c, "embed");
  const auto device = resolve_device(c.config.runtime.device);

  std::vector<std::string> splits = {args.split};
  if (args.split == "all") splits = {"train", "val", "test"};
  eval::EmbeddingFileInfo info;
  info.checkpoint = c.dir.string();
  info.split_set = c.data.split_set;
  info.modalities = c.model.modalities;
  info.class_names = c.data.survey->class_names;
  info.dim = c.model.embedding_dim;
  for (const auto& s : splits) info.objects += split_store(c.data, s)->size();
  eval::EmbeddingFileWriter writer(args.out, info);
  for (const auto& s : splits) {
    eval::for_each_embedding_batch(*model, split_store(c.data, s), c.config.loader, device,
                                   [&](const eval::EmbeddingBatch& b) { writer.append(b, s); });
  }
  writer.commit();
  spdlog::info("[embed] wrote {} ({} objects, {} modalities + fused, {} dimensions)", args.out,
               info.objects, info.modalities.size(), info.dim);
  return kExitSuccess;
}

}  // namespace astrom3::cli

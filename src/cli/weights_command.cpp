#include "cli/weights_command.h"

#include <spdlog/spdlog.h>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/error.h"
#include "astrom3/config/run_config.h"
#include "astrom3/io/safetensors.h"
#include "astrom3/io/state_dict.h"
#include "astrom3/model/astrom3_model.h"
#include "astrom3/model/parameter_summary.h"
#include "astrom3/train/checkpoint.h"
#include "cli/checkpoint_data.h"
#include "cli/exit_codes.h"

namespace astrom3::cli {

CLI::App* add_export_command(CLI::App& app, ExportArgs& args) {
  auto* cmd = app.add_subcommand(
      "export", "Write a checkpoint's weights as one safetensors file (official key names)");
  cmd->add_option("--checkpoint", args.checkpoint, "checkpoint or run directory")->required();
  cmd->add_option("--out,-o", args.out, "output .safetensors file")->required();
  return cmd;
}

int run_export(const ExportArgs& args, const GlobalFlags&) {
  const auto dir = train::resolve_checkpoint(args.checkpoint);
  const auto manifest = train::read_manifest(dir);
  check_stored_config(manifest, dir);
  train::require_kind(manifest, train::CheckpointKind::kClip, dir, "export");
  // Loading into the model first proves the file is complete and matches its manifest.
  auto model = model::AstroM3Model(config::model_options_from_json(manifest.model));
  train::load_weights(dir, *model);
  prepare_output_location(args.out);
  io::write_safetensors(args.out, io::state_dict(*model),
                        {{"format", "pt"},
                         {"astrom3_kind", train::kind_name(manifest.kind)},
                         {"astrom3_model", manifest.model.dump()},
                         {"astrom3_class_names", nlohmann::json(manifest.class_names).dump()},
                         {"astrom3_split_set", manifest.split_set}});
  spdlog::info("[export] wrote {} ({} trainable parameters) from {}", args.out,
               model::trainable_parameters(*model), dir.string());
  return kExitSuccess;
}

CLI::App* add_import_command(CLI::App& app, ImportArgs& args) {
  auto* cmd =
      app.add_subcommand("import",
                         "Make a checkpoint from a safetensors file with the official key names "
                         "(e.g. the published AstroM3 CLIP weights)");
  cmd->add_option("--weights", args.weights, "input .safetensors file")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out,-o", args.out, "checkpoint directory to create")->required();
  add_config_flags(*cmd, args.config);
  return cmd;
}

int run_import(const ImportArgs& args, const GlobalFlags& global) {
  const auto resolved = resolve_or_dump(args.config, global);
  if (!resolved) return kExitSuccess;  // --dump-config
  const auto& config = *resolved;
  // import creates a checkpoint; replacing whatever --out names would delete a user's files.
  std::error_code ignored;
  if (std::filesystem::exists(std::filesystem::symlink_status(args.out, ignored))) {
    throw ConfigError("--out " + args.out +
                      " already exists; import writes a new checkpoint directory and never "
                      "replaces one: choose another --out");
  }
  const auto options = config::resolved_model_options(config);
  auto model = model::AstroM3Model(options);
  io::load_state_dict(*model, io::read_safetensors(args.weights).tensors, args.weights);
  prepare_output_location(std::filesystem::path(args.out) / "manifest.json");
  auto manifest = train::make_manifest(train::CheckpointKind::kClip, config::to_json(config),
                                       config::model_options_to_json(options), nullptr);
  train::save_checkpoint(args.out, manifest, *model, nullptr);
  spdlog::info("[import] wrote checkpoint {} ({} trainable parameters) from {}", args.out,
               model::trainable_parameters(*model), args.weights);
  return kExitSuccess;
}

}  // namespace astrom3::cli

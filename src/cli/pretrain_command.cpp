#include "cli/pretrain_command.h"

#include <iostream>

#include "astrom3/common/device.h"
#include "astrom3/data/split_data.h"
#include "astrom3/model/astrom3_model.h"
#include "astrom3/model/parameter_summary.h"
#include "astrom3/train/clip_objective.h"
#include "astrom3/train/stop_signal.h"
#include "cli/exit_codes.h"
#include "cli/training_run.h"

namespace astrom3::cli {

CLI::App* add_pretrain_command(CLI::App& app, PretrainArgs& args) {
  auto* cmd = app.add_subcommand("pretrain", "CLIP pre-training of the three encoders");
  cmd->add_option("--out,-o", args.out, "run directory (default results/pretrain)");
  cmd->add_option("--resume", args.resume,
                  "continue from a checkpoint directory or a run directory (its latest)");
  cmd->add_flag("--dry-run", args.dry_run,
                "build the model, print its per-module parameter summary and exit");
  add_config_flags(*cmd, args.config);
  add_dist_flags(*cmd, args.dist);
  return cmd;
}

int run_pretrain(const PretrainArgs& args, const GlobalFlags& global) {
  const auto plan = plan_run(train::CheckpointKind::kClip, args.out, args.resume, args.config,
                             global, "results/pretrain", args.dist);
  if (args.config.dump_config) {
    print_config(plan.config);
    return kExitSuccess;
  }
  const auto model_options = config::resolved_model_options(plan.config);
  auto model = model::make_model(model_options, init_seed(plan.config));
  if (args.dry_run) {
    std::cout << model::format_parameter_summary(model::parameter_summary(*model));
    std::cout << "trainable parameters: " << model::trainable_parameters(*model) << std::endl;
    return kExitSuccess;
  }
  // From here on SIGTERM/SIGINT end the command with exit 75 (train_run), not 143.
  train::StopSignalScope stop_signals;
  const auto context = start_distributed(plan.config);
  const auto lock = prepare_run_dir(plan, context);
  data::SplitLoadOptions load;
  load.with_unlabeled = plan.config.data.pretrain_unlabeled;
  const auto data =
      data::load_split_data(plan.config.data, worker_threads(plan.config.runtime.threads), load);
  train::ClipObjective objective(model, context.comm);
  return train_run("pretrain", plan, data, objective,
                   train::make_manifest(train::CheckpointKind::kClip, config::to_json(plan.config),
                                        config::model_options_to_json(model_options), &data),
                   context);
}

}  // namespace astrom3::cli

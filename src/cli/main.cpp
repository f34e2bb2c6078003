// astrom3: wires the subcommands and maps errors to the documented exit codes
// (docs/cli.md): 0 success, 1 other failure, 2 usage or configuration error, 3 data error.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <iostream>
#include <new>

#include <c10/util/Exception.h>

#include "astrom3/common/error.h"
#include "astrom3/common/logging.h"
#include "astrom3/common/torch_compat.h"
#include "astrom3/common/version.h"
#include "cli/embed_command.h"
#include "cli/evaluate_command.h"
#include "cli/exit_codes.h"
#include "cli/finetune_command.h"
#include "cli/global_flags.h"
#include "cli/inspect_command.h"
#include "cli/map_command.h"
#include "cli/misclassified_command.h"
#include "cli/out_of_memory.h"
#include "cli/outliers_command.h"
#include "cli/predict_command.h"
#include "cli/prepare_command.h"
#include "cli/pretrain_command.h"
#include "cli/search_command.h"
#include "cli/synth_command.h"
#include "cli/weights_command.h"

int main(int argc, char** argv) {
  using namespace astrom3::cli;
  CLI::App app{"astrom3: multimodal (photometry, spectra, metadata) variable-star learning"};
  app.set_version_flag("--version", std::string("astrom3 ") + astrom3::kVersion + " (LibTorch " +
                                        astrom3::libtorch_version() + ")");
  app.require_subcommand(1);
  GlobalFlags global;
  add_global_flags(app, global);
  SynthArgs synth;
  InspectArgs inspect;
  auto* synth_cmd = add_synth_command(app, synth);
  auto* inspect_cmd = add_inspect_command(app, inspect);
  PrepareArgs prepare;
  auto* prepare_cmd = add_prepare_command(app, prepare);
  PretrainArgs pretrain;
  ExportArgs export_args;
  ImportArgs import_args;
  auto* pretrain_cmd = add_pretrain_command(app, pretrain);
  FinetuneArgs finetune;
  auto* finetune_cmd = add_finetune_command(app, finetune);
  EvaluateArgs evaluate;
  auto* evaluate_cmd = add_evaluate_command(app, evaluate);
  EmbedArgs embed;
  auto* embed_cmd = add_embed_command(app, embed);
  PredictArgs predict;
  auto* predict_cmd = add_predict_command(app, predict);
  SearchArgs search;
  auto* search_cmd = add_search_command(app, search);
  OutliersArgs outliers;
  auto* outliers_cmd = add_outliers_command(app, outliers);
  MisclassifiedArgs misclassified;
  auto* misclassified_cmd = add_misclassified_command(app, misclassified);
  MapArgs map_args;
  auto* map_cmd = add_map_command(app, map_args);
  auto* export_cmd = add_export_command(app, export_args);
  auto* import_cmd = add_import_command(app, import_args);

  if (const auto message = unknown_command_message(app, argc, argv); !message.empty()) {
    std::cerr << message << "\nRun with --help for more information.\n";
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }

  try {
    astrom3::init_logging(global.log_level.value_or("info"));
    if (synth_cmd->parsed()) return run_synth(synth, global);
    if (inspect_cmd->parsed()) return run_inspect(inspect, global);
    if (prepare_cmd->parsed()) return run_prepare(prepare, global);
    if (pretrain_cmd->parsed()) return run_pretrain(pretrain, global);
    if (finetune_cmd->parsed()) return run_finetune(finetune, global);
    if (evaluate_cmd->parsed()) return run_evaluate(evaluate, global);
    if (embed_cmd->parsed()) return run_embed(embed, global);
    if (predict_cmd->parsed()) return run_predict(predict, global);
    if (search_cmd->parsed()) return run_search(search, global);
    if (outliers_cmd->parsed()) return run_outliers(outliers, global);
    if (misclassified_cmd->parsed()) return run_misclassified(misclassified, global);
    if (map_cmd->parsed()) return run_map(map_args, global);
    if (export_cmd->parsed()) return run_export(export_args, global);
    if (import_cmd->parsed()) return run_import(import_args, global);
    return kExitUsage;
  } catch (const astrom3::ConfigError& e) {
    spdlog::error("{}", e.what());
    return kExitUsage;
  } catch (const astrom3::DataError& e) {
    spdlog::error("{}", e.what());
    return kExitData;
  } catch (const std::bad_alloc& e) {
    spdlog::critical("{}", out_of_memory_message(e.what()));
    return kExitFailure;
  } catch (const c10::Error& e) {
    const std::string what = e.what_without_backtrace();
    spdlog::critical("{}", is_out_of_memory(what) ? out_of_memory_message(what) : what);
    return kExitFailure;
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return kExitFailure;
  }
}

#include "cli/misclassified_command.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <iostream>
#include <optional>
#include <sstream>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/device.h"
#include "astrom3/common/error.h"
#include "astrom3/eval/class_predictions.h"
#include "astrom3/eval/embedding_file.h"
#include "astrom3/eval/label_evidence.h"
#include "cli/checkpoint_data.h"
#include "cli/precision_flag.h"
#include "cli/validators.h"

namespace astrom3::cli {
namespace {

// Runs the classifier over the train, val and test splits of its survey and joins its
// predictions to the table by object id.
eval::ClassifierOpinion classify(const MisclassifiedArgs& args, const GlobalFlags& global,
                                 const eval::EmbeddingTable& table) {
  const auto c =
      load_checkpoint_data(args.checkpoint, global, {"misclassified", args.data, {}, {}});
  auto classifier = load_classifier(c, "misclassified --checkpoint", args.precision.value);
  if (c.data.survey->class_names != table.info.class_names) {
    throw ConfigError("misclassified: the classes of " + c.dir.string() + " differ from those of " +
                      args.embeddings);
  }
  eval::ClassifierOpinion opinion(table.ids.size());
  std::size_t joined = 0;
  for (const auto* split : {"train", "val", "test"}) {
    const auto p = eval::predict_classes(*classifier, split_store(c.data, split), c.config.loader,
                                         resolve_device(c.config.runtime.device), {},
                                         calibrated_temperature(c));
    joined += opinion.join(table, p.ids, p.probabilities, p.usable);
  }
  spdlog::info("[misclassified] classifier {}: predictions for {} of {} objects", c.dir.string(),
               joined, table.ids.size());
  return opinion;
}

}  // namespace

CLI::App* add_misclassified_command(CLI::App& app, MisclassifiedArgs& args) {
  auto* cmd = app.add_subcommand(
      "misclassified", "Catalogue labels that the embedding space disagrees with, ranked");
  cmd->add_option("--embeddings,-e", args.embeddings, "file written by astrom3 embed (required)");
  cmd->add_option("--modality", args.modality,
                  "space: all (every modality of the file, the default), photometry, spectra, "
                  "metadata or fused (misclassified.modality)");
  auto* checkpoint = cmd->add_option("--checkpoint", args.checkpoint,
                                     "fine-tuned classifier (checkpoint or run directory) whose "
                                     "predictions join the evidence");
  cmd->add_option("--data", args.data, "survey file for --checkpoint (default: the checkpoint's)");
  cmd->add_option("--k", args.k, "neighbours of the k-NN vote (misclassified.k)")
      ->check(positive());
  add_index_flags(cmd, args.index);
  cmd->add_option("--show", args.show, "rows of the terminal summary (misclassified.show)")
      ->check(non_negative());
  cmd->add_option("--out,-o", args.out, "CSV of every labelled object, most suspicious first");
  add_precision_flag(*cmd, args.precision)->needs(checkpoint);  // of the classifier only
  add_config_flags(*cmd, args.config);
  return cmd;
}

int run_misclassified(const MisclassifiedArgs& args, const GlobalFlags& global) {
  TypedFlags typed;
  add_typed(typed, "misclassified.modality", args.modality);
  add_typed(typed, "misclassified.k", args.k);
  add_typed(typed, "misclassified.show", args.show);
  add_typed(typed, args.index);
  const auto resolved = resolve_or_dump(args.config, global, std::move(typed));
  if (!resolved) return 0;
  const auto& config = *resolved;
  require_flag(args.embeddings, "misclassified", "--embeddings");
  if (!args.data.empty() && args.checkpoint.empty()) {
    throw ConfigError(
        "misclassified: --data names the survey of --checkpoint's classifier; "
        "without --checkpoint it has no use (the labels come from --embeddings)");
  }
  // The classifier of --checkpoint runs on runtime.device; the embedding evidence on the CPU.
  if (args.checkpoint.empty()) note_cpu_only(config, "misclassified");
  const auto& o = config.misclassified;
  if (!args.out.empty()) prepare_output_location(args.out);
  const auto spaces =
      o.modality == "all" ? std::vector<std::string>{} : std::vector<std::string>{o.modality};
  const auto table = eval::read_embedding_file(args.embeddings, spaces);
  const auto classes = static_cast<std::int64_t>(table.info.class_names.size());
  const auto labels =
      torch::tensor(std::vector<std::int64_t>(table.labels.begin(), table.labels.end()));
  const auto names = spaces.empty() ? table.info.modalities : spaces;
  std::vector<eval::LabelEvidence> evidence;
  for (const auto& m : names) {
    evidence.push_back(eval::label_evidence(table.of(m), labels, table.present_in(m),
                                            table.in_split("train"), classes, o.k, config.index));
  }
  std::optional<eval::ClassifierOpinion> opinion;
  if (!args.checkpoint.empty()) opinion = classify(args, global, table);
  const auto report =
      eval::rank_suspicious_labels(table.labels, names, std::move(evidence), std::move(opinion));
  if (!args.out.empty()) {
    std::ostringstream csv;
    eval::write_suspicious_labels_csv(csv, table, report);
    write_text_file_atomic(args.out, csv.str());
  }
  eval::write_suspicious_labels_summary(std::cout, table, report, static_cast<std::size_t>(o.show));
  if (!args.out.empty()) {
    spdlog::info("[misclassified] wrote {} ({} rows)", args.out, report.ranking.size());
  }
  return 0;
}

}  // namespace astrom3::cli

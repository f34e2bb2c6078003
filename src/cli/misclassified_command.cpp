#include "cli/misclassified_command.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/device.h"
#include "astrom3/common/error.h"
#include "astrom3/eval/class_predictions.h"
#include "astrom3/eval/embedding_file.h"
#include "astrom3/eval/label_evidence.h"
#include "astrom3/ingest/text_table.h"
#include "cli/checkpoint_data.h"
#include "cli/validators.h"

namespace astrom3::cli {
namespace {

// A fine-tuned classifier's opinion of each row of the embedding table.
struct ClassifierEvidence {
  std::vector<std::int64_t> prediction;   // [N] argmax class; -1 where it has no prediction
  std::vector<double> probability;        // [N] probability of the prediction
  std::vector<double> label_probability;  // [N] probability of the catalogue label
};

// Runs the classifier over the train, val and test splits of its survey and joins the
// predictions to the table by object id.
ClassifierEvidence classify(const MisclassifiedArgs& args, const GlobalFlags& global,
                            const eval::EmbeddingTable& table) {
  const auto c = load_checkpoint_data(args.checkpoint, args.data, global);
  auto classifier = load_classifier(c, "misclassified --checkpoint");
  if (c.data.survey->class_names != table.info.class_names) {
    throw ConfigError("misclassified: the classes of " + c.dir.string() + " differ from those of " +
                      args.embeddings);
  }
  const auto n = table.ids.size();
  ClassifierEvidence out{std::vector<std::int64_t>(n, -1), std::vector<double>(n, 0.0),
                         std::vector<double>(n, 0.0)};
  std::size_t joined = 0;
  for (const auto* split : {"train", "val", "test"}) {
    const auto p = eval::predict_classes(*classifier, split_store(c.data, split), c.config.loader,
                                         resolve_device(c.config.runtime.device), {},
                                         calibrated_temperature(c));
    if (p.ids.empty()) continue;
    const auto probabilities = p.probabilities.to(torch::kFloat64).contiguous();
    const auto classes = probabilities.size(1);
    const auto usable = p.usable.contiguous();
    for (std::size_t j = 0; j < p.ids.size(); ++j) {
      const auto it = table.rows_by_id.find(p.ids[j]);
      if (it == table.rows_by_id.end() || !usable.data_ptr<bool>()[j]) continue;
      const double* row = probabilities.data_ptr<double>() + j * classes;
      const auto i = static_cast<std::size_t>(it->second);
      const auto best = std::max_element(row, row + classes) - row;
      out.prediction[i] = best;
      out.probability[i] = row[best];
      out.label_probability[i] = table.labels[i] >= 0 ? row[table.labels[i]] : 0.0;
      ++joined;
    }
  }
  spdlog::info("[misclassified] classifier {}: predictions for {} of {} objects", c.dir.string(),
               joined, n);
  return out;
}

}  // namespace

CLI::App* add_misclassified_command(CLI::App& app, MisclassifiedArgs& args) {
  auto* cmd = app.add_subcommand(
      "misclassified", "Catalogue labels that the embedding space disagrees with, ranked");
  cmd->add_option("--embeddings,-e", args.embeddings, "file written by astrom3 embed")->required();
  cmd->add_option("--modality", args.modality,
                  "space: all (every modality of the file, the default), photometry, spectra, "
                  "metadata or fused");
  cmd->add_option("--checkpoint", args.checkpoint,
                  "fine-tuned classifier (checkpoint or run directory) whose predictions join "
                  "the evidence");
  cmd->add_option("--data", args.data, "survey file for --checkpoint (default: the checkpoint's)");
  cmd->add_option("--k", args.k, "neighbours of the k-NN vote")->check(positive());
  add_index_flags(cmd, args.index);
  cmd->add_option("--show", args.show, "rows of the terminal summary")->check(non_negative());
  cmd->add_option("--out,-o", args.out, "CSV of every labelled object, most suspicious first");
  return cmd;
}

int run_misclassified(const MisclassifiedArgs& args, const GlobalFlags& global) {
  if (!args.out.empty()) prepare_output_location(args.out);
  at::set_num_threads(worker_threads(global.threads.value_or(0)));
  const auto table = eval::read_embedding_file(
      args.embeddings, args.modality == "all" ? std::vector<std::string>{}
                                              : std::vector<std::string>{args.modality});
  const auto classes = static_cast<std::int64_t>(table.info.class_names.size());
  const auto labels =
      torch::tensor(std::vector<std::int64_t>(table.labels.begin(), table.labels.end()));
  const auto spaces =
      args.modality == "all" ? table.info.modalities : std::vector<std::string>{args.modality};
  std::vector<eval::LabelEvidence> evidence;
  for (const auto& m : spaces) {
    evidence.push_back(eval::label_evidence(table.of(m), labels, table.present_in(m),
                                            table.in_split("train"), classes, args.k,
                                            search_options(args.index)));
  }

  const bool with_classifier = !args.checkpoint.empty();
  const auto classifier = with_classifier ? classify(args, global, table) : ClassifierEvidence{};

  // Per space: the k-NN share voting against the label plus the centroid margin (both > 0 when
  // the object sits among another class). A wrong label shows in every modality, an ambiguous
  // object usually in one, so the score is the mean over the spaces where the object has an
  // embedding. The classifier, when given, is one more source: 1 - its probability of the label.
  const auto n = table.ids.size();
  std::vector<double> score(n, 0.0);
  std::vector<int> disagree(n, 0);
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < n; ++i) {
    if (table.labels[i] < 0) continue;
    int spaces_used = 0;
    for (const auto& ev : evidence) {
      if (ev.centroid_prediction[i] < 0) continue;
      ++spaces_used;
      disagree[i] += (ev.centroid_prediction[i] != table.labels[i]) +
                     (ev.knn_prediction[i] >= 0 && ev.knn_prediction[i] != table.labels[i]);
      const double knn_against = std::isnan(ev.knn_own_share[i]) ? 0.0 : 1.0 - ev.knn_own_share[i];
      score[i] += knn_against + ev.centroid_margin[i];
    }
    if (with_classifier && classifier.prediction[i] >= 0) {
      ++spaces_used;
      disagree[i] += classifier.prediction[i] != table.labels[i];
      score[i] += 1.0 - classifier.label_probability[i];
    }
    if (spaces_used == 0) continue;
    score[i] /= spaces_used;
    rows.push_back(i);
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [&](std::size_t a, std::size_t b) { return score[a] > score[b]; });

  const auto& names = table.info.class_names;
  auto name = [&](std::int64_t c) { return c >= 0 ? names[c] : std::string(); };
  std::string csv = "rank,id,label,split,score,methods_disagreeing";
  for (const auto& m : spaces) {
    csv += "," + m + "_centroid_prediction," + m + "_centroid_margin," + m + "_knn_prediction," +
           m + "_knn_share," + m + "_knn_label_share";
  }
  if (with_classifier) {
    csv += ",classifier_prediction,classifier_probability,classifier_label_probability";
  }
  csv += "\n";
  char buf[96];
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const auto i = rows[r];
    csv += std::to_string(r + 1) + "," + ingest::csv_field(table.ids[i]) + "," +
           table.label_name(i) + "," + table.split[i];
    std::snprintf(buf, sizeof buf, ",%.6f,%d", score[i], disagree[i]);
    csv += buf;
    for (const auto& ev : evidence) {
      if (ev.centroid_prediction[i] < 0) {
        csv += ",,,,,";
        continue;
      }
      std::snprintf(buf, sizeof buf, ",%.6f,", ev.centroid_margin[i]);
      csv += "," + name(ev.centroid_prediction[i]) + buf + name(ev.knn_prediction[i]);
      if (std::isnan(ev.knn_share[i])) {
        csv += ",,";
      } else {
        std::snprintf(buf, sizeof buf, ",%.4f,%.4f", ev.knn_share[i], ev.knn_own_share[i]);
        csv += buf;
      }
    }
    if (with_classifier) {
      if (classifier.prediction[i] < 0) {
        csv += ",,,";
      } else {
        std::snprintf(buf, sizeof buf, ",%.6f,%.6f", classifier.probability[i],
                      classifier.label_probability[i]);
        csv += "," + name(classifier.prediction[i]) + buf;
      }
    }
    csv += "\n";
  }
  if (!args.out.empty()) write_text_file_atomic(args.out, csv);

  std::size_t any = 0;
  for (auto i : rows) any += disagree[i] > 0;
  const auto methods = 2 * spaces.size() + (with_classifier ? 1 : 0);
  std::cout << "labels that the centroid or k-NN opinion"
            << (with_classifier ? " or the classifier" : "")
            << " disagrees with in at least one of " << spaces.size() << " space(s): " << any
            << " of " << rows.size() << " labelled objects; most suspicious first:\n";
  std::cout << "rank id                     label  split  score   methods disagreeing (of "
            << methods << ")\n";
  for (std::size_t r = 0; r < rows.size() && r < static_cast<std::size_t>(args.show); ++r) {
    const auto i = rows[r];
    std::printf("%4zu %-22s %-6s %-6s %6.3f  %d\n", r + 1, table.ids[i].c_str(),
                table.label_name(i).c_str(), table.split[i].c_str(), score[i], disagree[i]);
  }
  if (!args.out.empty()) spdlog::info("[misclassified] wrote {} ({} rows)", args.out, rows.size());
  return 0;
}

}  // namespace astrom3::cli

#include "astrom3/train/trainer.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <set>

#include "astrom3/common/error.h"
#include "astrom3/common/fault_point.h"
#include "astrom3/common/torch_compat.h"
#include "astrom3/train/metrics_log.h"
#include "astrom3/train/optimizer.h"
#include "astrom3/train/progress.h"
#include "astrom3/train/stop_signal.h"
#include "astrom3/train/train_step.h"

namespace astrom3::train {
namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Entries of a step's reduced sums that are not the objective's (they sort before its keys):
// the objective's loss as back-propagated, and the number of ranks asked to stop.
constexpr const char* kLossKey = "\x01loss";
constexpr const char* kStopKey = "\x01stop";

void accumulate(std::map<std::string, double>& sums, const std::map<std::string, double>& step) {
  for (const auto& [key, value] : step) {
    if (key != kStopKey && key != kLossKey) sums[key] += value;
  }
}

std::string checkpoint_name(std::int64_t epochs_done, std::int64_t steps) {
  char text[48];
  if (steps == 0) {
    std::snprintf(text, sizeof(text), "epoch-%04lld", static_cast<long long>(epochs_done));
  } else {
    std::snprintf(text, sizeof(text), "epoch-%04lld-step-%06lld",
                  static_cast<long long>(epochs_done), static_cast<long long>(steps));
  }
  return text;
}

json prefixed(const json& metrics, const std::string& prefix) {
  json out = json::object();
  for (const auto& [key, value] : metrics.items()) out[prefix + key] = value;
  return out;
}

}  // namespace

Trainer::Trainer(Objective& objective, data::BatchLoader& train, data::BatchLoader& val,
                 TrainerSetup setup)
    : objective_(objective),
      train_(train),
      val_(val),
      setup_(std::move(setup)),
      schedule_(setup_.options),
      early_stopping_(setup_.options.early_stopping_patience),
      comm_(setup_.comm ? setup_.comm : std::make_shared<dist::Comm>()) {
  auto& module = objective_.module();
  module.to(setup_.device);
  if (comm_->distributed()) {
    const auto smallest = train_.smallest_batch();
    if (smallest < comm_->world_size()) {
      throw ConfigError("data-parallel training on " + std::to_string(comm_->world_size()) +
                        " ranks needs every training batch to give each rank a row, but one has " +
                        std::to_string(smallest) +
                        " objects; raise loader.batch_size or set loader.drop_last to true");
    }
    auto tensors = module.parameters();
    for (const auto& b : module.buffers()) tensors.push_back(b);
    dist::broadcast_from_rank0(*comm_, tensors);
    reducer_ =
        std::make_unique<dist::GradientReducer>(comm_, module.parameters(), setup_.bucket_mb);
  }
  optimizer_ = make_optimizer(module, setup_.options);
  if (setup_.device.is_cuda()) allow_tf32(setup_.options.allow_tf32);
}

void Trainer::resume(const fs::path& checkpoint) {
  const auto manifest = read_manifest(checkpoint);
  load_weights(checkpoint, objective_.module());
  load_optimizer(checkpoint, *optimizer_, setup_.device);
  state_ = manifest.state;
  // The epoch record the checkpoint was saved with, restored to metrics.jsonl if a crash lost it.
  resumed_record_ = state_.step_in_epoch == 0 ? manifest.metrics : json();
  schedule_.restore(state_.schedule);
  early_stopping_.restore(state_.early_stopping);
  epoch_sums_.clear();
  for (const auto& [key, value] : state_.epoch_sums.items()) epoch_sums_[key] = value.get<double>();
  spdlog::info("[train] resuming from {} (epoch {}, step {} of it, global step {})",
               checkpoint.string(), state_.epoch + 1, state_.step_in_epoch, state_.global_step);
}

json Trainer::evaluate(data::BatchLoader& loader) {
  auto& module = objective_.module();
  module.eval();
  torch::NoGradGuard no_grad;
  const bool bf16 = setup_.options.precision == "bf16" && setup_.device.is_cuda();
  std::map<std::string, double> sums;
  loader.start_epoch(0);
  while (auto batch = loader.next()) {
    CudaAutocastScope autocast(bf16);
    accumulate(sums, reduce_sums(objective_.compute(*batch), 0.0));
  }
  return objective_.summarize(sums);
}

std::map<std::string, double> Trainer::reduce_sums(const StepOutput& out, double stop) {
  // One device-to-host copy (each .item() would synchronise a GPU) and one collective.
  std::vector<torch::Tensor> values;
  std::vector<std::string> keys = {kLossKey, kStopKey};
  const auto device = out.loss.device();
  values.push_back(out.loss.detach().to(torch::kFloat64).reshape({}));
  values.push_back(
      torch::full({}, stop, torch::TensorOptions().dtype(torch::kFloat64).device(device)));
  for (const auto& [key, value] : out.sums) {
    keys.push_back(key);
    values.push_back(value.detach().to(torch::kFloat64).reshape({}));
  }
  auto all = torch::stack(values);
  comm_->all_reduce(all);
  const auto host = all.to(torch::kCPU);
  const double* v = host.data_ptr<double>();
  std::map<std::string, double> sums;
  for (const auto& key : keys) sums[key] = *v++;
  return sums;
}

fs::path Trainer::save(const std::string& name, const json& metrics) {
  const fs::path dir = setup_.run_dir / "checkpoints" / name;
  if (!rank0()) return dir;
  CheckpointManifest manifest = setup_.manifest;
  state_.schedule = schedule_.state();
  state_.early_stopping = early_stopping_.state();
  state_.epoch_sums = json::object();
  for (const auto& [key, value] : epoch_sums_) state_.epoch_sums[key] = value;
  manifest.state = state_;
  manifest.metrics = metrics;
  save_checkpoint(dir, manifest, objective_.module(), optimizer_.get());
  point_link(setup_.run_dir / "latest", fs::path("checkpoints") / name);
  return dir;
}

bool Trainer::update_best(const json& val_metrics) {
  const auto& metric = setup_.options.best_metric;
  const bool maximise = metric == "val_accuracy";
  const double value = val_metrics.at(maximise ? "accuracy" : "loss").get<double>();
  const bool better =
      !state_.best.contains("value") || (maximise ? value > state_.best["value"].get<double>()
                                                  : value < state_.best["value"].get<double>());
  if (better) state_.best = {{"metric", metric}, {"value", value}, {"epoch", state_.epoch}};
  return better;
}

void Trainer::prune_checkpoints() const {
  if (!rank0()) return;
  const fs::path dir = setup_.run_dir / "checkpoints";
  std::set<std::string> keep;
  for (const char* link : {"latest", "best"}) {
    const fs::path p = setup_.run_dir / link;
    if (fs::is_symlink(p)) keep.insert(fs::read_symlink(p).filename().string());
  }
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const auto name = entry.path().filename().string();
    if (entry.is_directory() && name.rfind("epoch-", 0) == 0) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  const auto keep_last = static_cast<std::size_t>(setup_.options.keep_checkpoints);
  for (std::size_t i = 0; i + keep_last < names.size(); ++i) {
    if (!keep.count(names[i])) fs::remove_all(dir / names[i]);
  }
}

TrainResult Trainer::fit() {
  const auto& o = setup_.options;
  auto& module = objective_.module();
  const auto parameters = module.parameters();
  const bool bf16 = o.precision == "bf16" && setup_.device.is_cuda();
  const auto steps_per_epoch = train_.batches_per_epoch();
  if (steps_per_epoch == 0) {
    throw ConfigError(
        "the training split has fewer objects than one batch; lower loader.batch_size or set "
        "loader.drop_last to false");
  }
  std::optional<MetricsLog> log;
  if (rank0()) {
    fs::create_directories(setup_.run_dir / "checkpoints");
    log.emplace(setup_.run_dir / "metrics.jsonl", state_.global_step, resumed_record_);
  }
  StopSignalScope signals;
  TrainResult result;

  // An empty validation split (the sub10 split sets of small surveys have none) leaves nothing
  // to select, stop or schedule on: those are off and `best` follows the last epoch.
  const bool has_val_objects = val_.batches_per_epoch() > 0;
  bool warned_unscorable_val = false;
  if (!has_val_objects && rank0()) {
    spdlog::warn(
        "[train] the validation split is empty: epochs report no validation metrics, early "
        "stopping and the plateau schedule are off, and `best` is the last epoch. Use a split "
        "set with validation objects (astrom3 inspect lists them) to select an epoch.");
  }

  // Rank 0 reports progress for the job; the others draw nothing.
  ProgressLine progress((o.epochs - state_.epoch) * steps_per_epoch - state_.step_in_epoch,
                        o.log_every_steps, rank0());

  while (!state_.stopped_early && state_.epoch < o.epochs) {
    const auto epoch = state_.epoch;
    const double lr = schedule_.lr(epoch);
    set_learning_rate(*optimizer_, lr);
    module.train();
    train_.start_epoch(epoch, state_.step_in_epoch);
    const auto epoch_start = Clock::now();
    double data_wait = 0.0;
    std::int64_t samples = 0;
    auto window_start = Clock::now();
    double window_wait = 0.0;
    std::int64_t window_samples = 0;

    while (true) {
      const auto wait_start = Clock::now();
      auto batch = train_.next();
      const double waited = seconds_since(wait_start);
      if (!batch) break;
      data_wait += waited;
      window_wait += waited;

      const StepOutput out = forward_step(objective_, *optimizer_, *batch, setup_.seed,
                                          static_cast<std::uint64_t>(state_.global_step), bf16);
      // Global sums, and whether any rank was asked to stop: every rank then checks the same
      // loss and stops after the same step.
      const auto step_sums = reduce_sums(out, stop_requested() != 0 ? 1.0 : 0.0);
      const double loss = step_sums.at(kLossKey);
      const bool stop_now = step_sums.at(kStopKey) > 0;
      if (!std::isfinite(loss)) {
        progress.finish_line();
        // Name what exists: a failure at the first step has no checkpoint, and then the inputs
        // (e.g. absurd but finite catalogue values) are as likely a cause as the learning rate.
        const bool has_checkpoint = fs::exists(setup_.run_dir / "latest" / kManifestFile);
        throw Error(
            "training loss is " + std::to_string(loss) + " at epoch " + std::to_string(epoch + 1) +
            ", step " + std::to_string(state_.step_in_epoch + 1) + " (global step " +
            std::to_string(state_.global_step + 1) + "); training stopped. " +
            (has_checkpoint ? "The last checkpoint in " + setup_.run_dir.string() +
                                  " is intact. Lower train.lr or set train.clip_grad_norm."
                            : "No checkpoint was written yet. Check the inputs (astrom3 inspect "
                              "shows each column's range; values like 1e300 overflow), then "
                              "lower train.lr or set train.clip_grad_norm."));
      }
      const double grad_norm =
          backward_step(out, *optimizer_, parameters, o.clip_grad_norm, reducer_.get());
      accumulate(epoch_sums_, step_sums);
      ++state_.step_in_epoch;
      ++state_.global_step;
      samples += batch->global_batch_size();
      window_samples += batch->global_batch_size();

      const double rate = static_cast<double>(samples) / std::max(1e-9, seconds_since(epoch_start));
      progress.step(epoch, o.epochs, state_.step_in_epoch, steps_per_epoch, loss, rate);
      if (log && state_.global_step % o.log_every_steps == 0) {
        json record = {
            {"type", "step"},
            {"epoch", epoch + 1},
            {"step", state_.step_in_epoch},
            {"global_step", state_.global_step},
            {"loss", loss},
            {"lr", lr},
            {"grad_norm", grad_norm},
            {"samples_per_s", window_samples / std::max(1e-9, seconds_since(window_start))},
            {"data_wait_s", window_wait}};
        for (const auto& [key, value] : step_sums) {
          if (key.rfind("loss_", 0) == 0) record[key] = value;
        }
        record.update(objective_.step_extras());
        log->write(record);
        window_start = Clock::now();
        window_wait = 0.0;
        window_samples = 0;
      }
      // A signal raised here (ASTROM3_FAULT=step@N:TERM) is seen by the next step's reduction,
      // so every rank stops after step N + 1.
      fault_point("step");
      if (stop_now) {
        progress.finish_line();
        result.outcome = TrainOutcome::kInterrupted;
        result.signal = stop_requested();
        result.last_checkpoint = save(checkpoint_name(epoch, state_.step_in_epoch), json::object());
        prune_checkpoints();
        comm_->barrier();  // no rank exits before the checkpoint is complete
        spdlog::warn("[train] stopped by {} at epoch {}, step {}; resume with --resume {}",
                     result.signal != 0 ? "signal " + std::to_string(result.signal)
                                        : std::string("a stop signal to another rank"),
                     epoch + 1, state_.step_in_epoch, result.last_checkpoint.string());
        return result;
      }
    }
    progress.finish_line();

    const double train_seconds = seconds_since(epoch_start);
    const json train_metrics = objective_.summarize(epoch_sums_);
    const auto val_start = Clock::now();
    if (train_metrics.at("loss").is_null()) {
      throw DataError("epoch " + std::to_string(epoch + 1) +
                      ": no object of the training split could be scored (a classifier needs "
                      "labelled objects with its modality): nothing was trained");
    }
    // Null metrics: no val object the model can score (none at all, or, for a classifier, none
    // with its modality). Nothing then selects, stops or schedules.
    json val_metrics = {{"loss", nullptr}, {"accuracy", nullptr}};
    if (has_val_objects) val_metrics = evaluate(val_);
    const bool validates = val_metrics.at("loss").is_number();
    if (has_val_objects && !validates && !warned_unscorable_val && rank0()) {
      warned_unscorable_val = true;
      spdlog::warn(
          "[train] no object of the validation split can be scored (none has the classifier's "
          "modality): epochs report no validation metrics, early stopping and the plateau "
          "schedule are off, and `best` is the last epoch");
    }
    bool stop = false;
    if (validates) {
      const double val_loss = val_metrics.at("loss").get<double>();
      schedule_.end_epoch(epoch, val_loss);
      stop = early_stopping_.update(val_loss);
    }

    json record = {{"type", "epoch"},
                   {"epoch", epoch + 1},
                   {"global_step", state_.global_step},
                   {"lr", lr},
                   {"train_seconds", train_seconds},
                   {"val_seconds", seconds_since(val_start)},
                   {"samples_per_s", samples / std::max(1e-9, train_seconds)},
                   {"data_wait_s", data_wait}};
    record.update(prefixed(train_metrics, "train_"));
    record.update(prefixed(val_metrics, "val_"));
    record.update(objective_.step_extras());

    epoch_sums_.clear();
    state_.epoch = epoch + 1;
    state_.step_in_epoch = 0;
    state_.stopped_early = stop;
    const auto name = checkpoint_name(state_.epoch, 0);
    bool improved = true;
    if (validates) {
      improved = update_best(val_metrics);
    } else {
      state_.best = {{"metric", o.best_metric}, {"value", nullptr}, {"epoch", state_.epoch}};
    }
    record["best_" + o.best_metric] = state_.best["value"];
    result.last_checkpoint = save(name, record);
    if (improved && rank0()) point_link(setup_.run_dir / "best", fs::path("checkpoints") / name);
    prune_checkpoints();
    fault_point("checkpoint_committed");
    if (log) log->write(record);
    result.last_epoch = record;
    const std::string val_text =
        validates ? fmt::format("val loss {:.4f} acc {:.4f}", val_metrics["loss"].get<double>(),
                                val_metrics["accuracy"].get<double>())
                  : std::string("no val objects");
    spdlog::info(
        "[train] epoch {}/{}: train loss {:.4f} acc {:.4f} | {} | lr {:.3g} | {:.0f} samples/s",
        epoch + 1, o.epochs, train_metrics["loss"].get<double>(),
        train_metrics["accuracy"].get<double>(), val_text, lr,
        record["samples_per_s"].get<double>());
    if (stop) {
      spdlog::info("[train] early stopping: no val-loss improvement for {} epochs",
                   o.early_stopping_patience);
      result.outcome = TrainOutcome::kEarlyStopped;
      comm_->barrier();
      return result;
    }
    auto stopping = torch::full({1}, stop_requested() != 0 ? 1.0 : 0.0, torch::kFloat64);
    comm_->all_reduce(stopping, dist::ReduceOp::kMax);
    if (stopping.item<double>() > 0) {
      result.outcome = TrainOutcome::kInterrupted;
      result.signal = stop_requested();
      comm_->barrier();
      return result;
    }
  }
  comm_->barrier();
  return result;
}

}  // namespace astrom3::train

#include "astrom3/train/trainer.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <optional>

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

void accumulate(std::map<std::string, double>& sums, const std::map<std::string, double>& step) {
  for (const auto& [key, value] : step) sums[key] += value;
}

json prefixed(const json& metrics, const std::string& prefix) {
  json out = json::object();
  for (const auto& [key, value] : metrics.items()) out[prefix + key] = value;
  return out;
}

// The live progress line as an observer.
class ProgressObserver : public TrainingObserver {
 public:
  ProgressObserver(std::int64_t steps_left, std::int64_t log_every_steps)
      : line_(steps_left, log_every_steps) {}
  void on_step(std::int64_t epoch, std::int64_t epochs, std::int64_t step,
               std::int64_t steps_per_epoch, double loss, double rate) override {
    line_.step(epoch, epochs, step, steps_per_epoch, loss, rate);
  }
  void on_pause() override { line_.finish_line(); }

 private:
  ProgressLine line_;
};

// metrics.jsonl as an observer.
class MetricsLogObserver : public TrainingObserver {
 public:
  MetricsLogObserver(const fs::path& path, std::int64_t keep_until_step, const json& restore)
      : log_(path, keep_until_step, restore) {}
  void on_record(const json& record) override { log_.write(record); }

 private:
  MetricsLog log_;
};

}  // namespace

Trainer::Trainer(Objective& objective, data::BatchLoader& train, data::BatchLoader& val,
                 TrainerSetup setup)
    : objective_(objective),
      train_(train),
      val_(val),
      setup_(std::move(setup)),
      schedule_(setup_.options),
      early_stopping_(setup_.options.early_stopping_patience),
      comm_(setup_.comm ? setup_.comm : std::make_shared<dist::Comm>()),
      checkpointer_(setup_.run_dir, setup_.options.keep_checkpoints, comm_->rank() == 0) {
  auto& module = objective_.module();
  module.to(setup_.device);
  objective_.set_precision(setup_.options.precision);
  if (setup_.options.precision == Precision::kBf16 && rank0()) {
    spdlog::info("[train] bf16 mixed precision: products in bf16, weights and losses in float32");
    warn_if_bf16_is_emulated(setup_.options.precision, setup_.device, "train");
  }
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
  if (state_.step_in_epoch > train_.batches_per_epoch()) {
    throw DataError(checkpoint.string() + " was written " + std::to_string(state_.step_in_epoch) +
                    " steps into an epoch, but an epoch of this data has " +
                    std::to_string(train_.batches_per_epoch()) +
                    " steps: resume with the run's own data and loader.batch_size");
  }
  // The epoch record the checkpoint was saved with, restored to metrics.jsonl if a crash lost it.
  resumed_record_ = state_.step_in_epoch == 0 ? manifest.metrics : json();
  if (state_.best && state_.best->metric != setup_.options.best_metric && rank0()) {
    const auto& now = name_of(setup_.options.best_metric, best_metric_names());
    spdlog::warn(
        "[train] train.best_metric is {} now but was {} when `best` (epoch {}) was chosen: the "
        "next validated epoch becomes `best`, and later ones must beat it in {}",
        now, name_of(state_.best->metric, best_metric_names()), state_.best->epoch, now);
  }
  // A resumed run may change precision (the weights and optimiser state are float32 either
  // way); the numbers then differ from a run that kept it, so the log says so.
  const auto stored = manifest.config.contains("train")
                          ? manifest.config["train"].value("precision", std::string("fp32"))
                          : std::string("fp32");
  const auto& now_precision = name_of(setup_.options.precision, precision_names());
  if (stored != now_precision && rank0()) {
    spdlog::warn("[train] {} was trained at precision {}; the run continues at {}",
                 checkpoint.string(), stored, now_precision);
  }
  schedule_.restore(state_.schedule);
  early_stopping_.restore(state_.early_stopping);
  epoch_sums_ = state_.epoch_sums;
  spdlog::info("[train] resuming from {} (epoch {}, step {} of it, global step {})",
               checkpoint.string(), state_.epoch + 1, state_.step_in_epoch, state_.global_step);
}

json Trainer::evaluate(data::BatchLoader& loader) {
  auto& module = objective_.module();
  module.eval();
  torch::NoGradGuard no_grad;
  std::map<std::string, double> sums;
  loader.start_epoch(0);
  while (auto batch = loader.next()) {
    accumulate(sums, reduce_step(objective_.compute(*batch), false).sums);
  }
  return objective_.summarize(sums);
}

Trainer::ReducedStep Trainer::reduce_step(const StepOutput& out, bool stop) {
  // One device-to-host copy (each .item() would synchronise a GPU) and one collective over
  // [loss, stop requests, the objective's sums in key order].
  std::vector<torch::Tensor> values;
  const auto device = out.loss.device();
  values.push_back(out.loss.detach().to(torch::kFloat64).reshape({}));
  values.push_back(torch::full({}, stop ? 1.0 : 0.0,
                               torch::TensorOptions().dtype(torch::kFloat64).device(device)));
  for (const auto& [key, value] : out.sums) {
    values.push_back(value.detach().to(torch::kFloat64).reshape({}));
  }
  auto all = torch::stack(values);
  comm_->all_reduce(all);
  const auto host = all.to(torch::kCPU);
  const double* v = host.data_ptr<double>();
  ReducedStep reduced;
  reduced.loss = v[0];
  reduced.stop = v[1] > 0;
  std::size_t i = 2;
  for (const auto& entry : out.sums) reduced.sums[entry.first] = v[i++];
  return reduced;
}

fs::path Trainer::save(const std::string& name, const json& metrics) {
  // Only rank 0 writes; the others learn where the checkpoint is.
  if (!rank0()) return checkpointer_.path(name);
  CheckpointManifest manifest = setup_.manifest;
  state_.schedule = schedule_.state();
  state_.early_stopping = early_stopping_.state();
  state_.epoch_sums = epoch_sums_;
  manifest.state = state_;
  manifest.metrics = metrics;
  return checkpointer_.save(name, manifest, objective_.module(), optimizer_.get());
}

bool Trainer::update_best(const json& val_metrics) {
  const auto metric = setup_.options.best_metric;
  const bool maximise = metric == BestMetric::kValAccuracy;
  const double value = val_metrics.at(maximise ? "accuracy" : "loss").get<double>();
  const auto& best = state_.best;
  // A best without a value (epochs without validation objects), or one of another metric (a run
  // resumed with another train.best_metric), is beaten by any value.
  const bool better = !best || !best->value || best->metric != metric ||
                      (maximise ? value > *best->value : value < *best->value);
  if (better) state_.best = BestEpoch{metric, value, state_.epoch};
  return better;
}

void Trainer::notify_record(const json& record) {
  for (const auto& o : observers_) o->on_record(record);
}

void Trainer::notify_pause() {
  for (const auto& o : observers_) o->on_pause();
}

TrainResult Trainer::fit() {
  const auto& o = setup_.options;
  const auto steps_per_epoch = train_.batches_per_epoch();
  if (steps_per_epoch == 0) {
    throw ConfigError(
        "the training split has fewer objects than one batch; lower loader.batch_size or set "
        "loader.drop_last to false");
  }
  // Rank 0 reports progress and writes the metrics; the other ranks report nothing.
  struct ClearOnExit {
    std::vector<std::shared_ptr<TrainingObserver>>& observers;
    ~ClearOnExit() { observers.clear(); }
  } clear_on_exit{observers_};
  if (rank0()) {
    checkpointer_.prepare();
    observers_.push_back(std::make_shared<MetricsLogObserver>(setup_.run_dir / "metrics.jsonl",
                                                              state_.global_step, resumed_record_));
    observers_.push_back(std::make_shared<ProgressObserver>(
        (o.epochs - state_.epoch) * steps_per_epoch - state_.step_in_epoch, o.log_every_steps));
    observers_.insert(observers_.end(), setup_.observers.begin(), setup_.observers.end());
  }
  StopSignalScope signals;
  result_ = TrainResult();

  // An empty validation split (the sub10 split sets of small surveys have none) leaves nothing
  // to select, stop or schedule on: those are off and `best` follows the last epoch.
  has_val_objects_ = val_.batches_per_epoch() > 0;
  warned_unscorable_val_ = false;
  if (!has_val_objects_ && rank0()) {
    spdlog::warn(
        "[train] the validation split is empty: epochs report no validation metrics, early "
        "stopping and the plateau schedule are off, and `best` is the last epoch. Use a split "
        "set with validation objects (astrom3 inspect lists them) to select an epoch.");
  }
  while (!state_.stopped_early && state_.epoch < o.epochs) {
    auto run = start_epoch(steps_per_epoch);
    if (auto stopped = train_epoch(run)) return *stopped;
    if (auto ended = end_epoch(run)) return *ended;
  }
  comm_->barrier();
  return result_;
}

Trainer::EpochRun Trainer::start_epoch(std::int64_t steps_per_epoch) {
  EpochRun run;
  run.epoch = state_.epoch;
  run.lr = schedule_.lr(run.epoch);
  run.steps_per_epoch = steps_per_epoch;
  set_learning_rate(*optimizer_, run.lr);
  objective_.module().train();
  train_.start_epoch(run.epoch, state_.step_in_epoch);
  run.start = run.window_start = Clock::now();
  return run;
}

std::optional<TrainResult> Trainer::train_epoch(EpochRun& run) {
  while (true) {
    const auto wait_start = Clock::now();
    auto batch = train_.next();
    const double waited = seconds_since(wait_start);
    if (!batch) break;
    const bool stop_now = train_step(*batch, run, waited);
    // A signal raised here (ASTROM3_FAULT=step@N:TERM) is seen by the next step's reduction,
    // so every rank stops after step N + 1.
    fault_point("step");
    if (stop_now) return stop_mid_epoch(run);
  }
  notify_pause();
  return std::nullopt;
}

bool Trainer::train_step(const data::Batch& batch, EpochRun& run, double waited) {
  const auto& o = setup_.options;
  run.data_wait += waited;
  run.window_wait += waited;
  const StepOutput out = forward_step(objective_, *optimizer_, batch, setup_.seed,
                                      static_cast<std::uint64_t>(state_.global_step));
  // Global sums, and whether any rank was asked to stop: every rank then checks the same
  // loss and stops after the same step.
  const auto step = reduce_step(out, stop_requested() != 0);
  const double loss = step.loss;
  if (!std::isfinite(loss)) {
    notify_pause();
    // Name what exists: a failure at the first step has no checkpoint, and then the inputs
    // (e.g. absurd but finite catalogue values) are as likely a cause as the learning rate.
    const bool has_checkpoint = fs::exists(setup_.run_dir / "latest" / kManifestFile);
    throw Error(
        "training loss is " + std::to_string(loss) + " at epoch " + std::to_string(run.epoch + 1) +
        ", step " + std::to_string(state_.step_in_epoch + 1) + " (global step " +
        std::to_string(state_.global_step + 1) + "); training stopped. " +
        (has_checkpoint ? "The last checkpoint in " + setup_.run_dir.string() +
                              " is intact. Lower train.lr or set train.clip_grad_norm."
                        : "No checkpoint was written yet. Check the inputs (astrom3 inspect "
                          "shows each column's range; values like 1e300 overflow), then "
                          "lower train.lr or set train.clip_grad_norm."));
  }
  const auto parameters = objective_.module().parameters();
  const double grad_norm =
      backward_step(out, *optimizer_, parameters, o.clip_grad_norm, reducer_.get());
  accumulate(epoch_sums_, step.sums);
  ++state_.step_in_epoch;
  ++state_.global_step;
  run.samples += batch.global_batch_size();
  run.window_samples += batch.global_batch_size();

  const double rate = static_cast<double>(run.samples) / std::max(1e-9, seconds_since(run.start));
  for (const auto& obs : observers_) {
    obs->on_step(run.epoch, o.epochs, state_.step_in_epoch, run.steps_per_epoch, loss, rate);
  }
  if (rank0() && state_.global_step % o.log_every_steps == 0) {
    json record = {
        {"type", "step"},
        {"epoch", run.epoch + 1},
        {"step", state_.step_in_epoch},
        {"global_step", state_.global_step},
        {"loss", loss},
        {"lr", run.lr},
        {"grad_norm", grad_norm},
        {"samples_per_s", run.window_samples / std::max(1e-9, seconds_since(run.window_start))},
        {"data_wait_s", run.window_wait}};
    for (const auto& [key, value] : step.sums) {
      if (key.rfind("loss_", 0) == 0) record[key] = value;
    }
    record.update(objective_.step_extras());
    notify_record(record);
    run.window_start = Clock::now();
    run.window_wait = 0.0;
    run.window_samples = 0;
  }
  return step.stop;
}

TrainResult Trainer::stop_mid_epoch(const EpochRun& run) {
  notify_pause();
  TrainResult result = result_;
  result.outcome = TrainOutcome::kInterrupted;
  result.signal = stop_requested();
  result.last_checkpoint =
      save(Checkpointer::name(run.epoch, state_.step_in_epoch), json::object());
  checkpointer_.prune();
  comm_->barrier();  // no rank exits before the checkpoint is complete
  spdlog::warn("[train] stopped by {} at epoch {}, step {}; resume with --resume {}",
               result.signal != 0 ? "signal " + std::to_string(result.signal)
                                  : std::string("a stop signal to another rank"),
               run.epoch + 1, state_.step_in_epoch, result.last_checkpoint.string());
  return result;
}

std::optional<TrainResult> Trainer::end_epoch(const EpochRun& run) {
  const auto& o = setup_.options;
  const auto epoch = run.epoch;
  const double train_seconds = seconds_since(run.start);
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
  if (has_val_objects_) val_metrics = evaluate(val_);
  const bool validates = val_metrics.at("loss").is_number();
  if (has_val_objects_ && !validates && !warned_unscorable_val_ && rank0()) {
    warned_unscorable_val_ = true;
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
                 {"lr", run.lr},
                 {"train_seconds", train_seconds},
                 {"val_seconds", seconds_since(val_start)},
                 {"samples_per_s", run.samples / std::max(1e-9, train_seconds)},
                 {"data_wait_s", run.data_wait}};
  record.update(prefixed(train_metrics, "train_"));
  record.update(prefixed(val_metrics, "val_"));
  record.update(objective_.step_extras());

  epoch_sums_.clear();
  state_.epoch = epoch + 1;
  state_.step_in_epoch = 0;
  state_.stopped_early = stop;
  const auto name = Checkpointer::name(state_.epoch, 0);
  bool improved = true;
  if (validates) {
    improved = update_best(val_metrics);
  } else {
    state_.best = BestEpoch{o.best_metric, std::nullopt, state_.epoch};
  }
  record["best_" + name_of(o.best_metric, best_metric_names())] =
      state_.best->value ? json(*state_.best->value) : json(nullptr);
  result_.last_checkpoint = save(name, record);
  if (improved) checkpointer_.mark_best(name);
  checkpointer_.prune();
  fault_point("checkpoint_committed");
  if (rank0()) notify_record(record);
  result_.last_epoch = record;
  const std::string val_text =
      validates ? fmt::format("val loss {:.4f} acc {:.4f}", val_metrics["loss"].get<double>(),
                              val_metrics["accuracy"].get<double>())
                : std::string("no val objects");
  spdlog::info(
      "[train] epoch {}/{}: train loss {:.4f} acc {:.4f} | {} | lr {:.3g} | {:.0f} samples/s",
      epoch + 1, o.epochs, train_metrics["loss"].get<double>(),
      train_metrics["accuracy"].get<double>(), val_text, run.lr,
      record["samples_per_s"].get<double>());
  if (stop) {
    spdlog::info("[train] early stopping: no val-loss improvement for {} epochs",
                 o.early_stopping_patience);
    result_.outcome = TrainOutcome::kEarlyStopped;
    comm_->barrier();
    return result_;
  }
  auto stopping = torch::full({1}, stop_requested() != 0 ? 1.0 : 0.0, torch::kFloat64);
  comm_->all_reduce(stopping, dist::ReduceOp::kMax);
  if (stopping.item<double>() > 0) {
    result_.outcome = TrainOutcome::kInterrupted;
    result_.signal = stop_requested();
    comm_->barrier();
    return result_;
  }
  return std::nullopt;
}

}  // namespace astrom3::train

// Training-step and inference throughput of the CLIP model, the astrom3 side of scripts/bench.sh
// (scripts/bench_pytorch.py times the PyTorch reference with the same shapes). Prints one JSON
// object: samples/s, the analytic FLOP rate (model/flop_count.h), peak resident memory and, on
// CUDA, peak GPU memory.
//
//   astrom3_bench_model --config configs/paper/clip-full.json --set loader.batch_size=32
//       --mode step --steps 10 --threads 2      (one command)
//   astrom3_bench_model --config configs/paper/clip-full.json --mode infer --batch 256
//   astrom3_bench_model ... --set train.precision=bf16   (bf16 mixed precision, CPU or CUDA)
//   astrom3_bench_model --config ... --print-model model.json --print-train train.json
//   astrom3_bench_model --config ... --profile trace.json   (chrome://tracing; per-op totals:
//       scripts/profile_summary.py trace.json)
//
// The step is the trainer's own (train/train_step.h): seeding, forward, loss, backward,
// gradient clipping and the optimiser. Inputs are random with the loader's shapes and
// light curves of random length (a quarter to all of seq_len), so masks are realistic.
#include <sys/resource.h>
#include <torch/torch.h>

#include <torch/csrc/autograd/profiler_legacy.h>
#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#if defined(ASTROM3_BENCH_CUDA) && __has_include(<c10/cuda/CUDACachingAllocator.h>)
#include <c10/cuda/CUDACachingAllocator.h>
#define ASTROM3_BENCH_GPU_MEMORY 1
#endif

#include "astrom3/common/device.h"
#include "astrom3/common/torch_compat.h"
#include "astrom3/config/run_config.h"
#include "astrom3/data/batch.h"
#include "astrom3/model/astrom3_model.h"
#include "astrom3/model/flop_count.h"
#include "astrom3/train/clip_objective.h"
#include "astrom3/train/optimizer.h"
#include "astrom3/train/train_step.h"

using namespace astrom3;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

data::Batch random_batch(std::int64_t batch_size, std::int64_t seq_len, std::uint64_t seed) {
  torch::manual_seed(seed);
  data::Batch b = data::allocate_batch(batch_size, seq_len, /*pinned=*/false);
  const auto lengths = torch::randint(seq_len / 4, seq_len + 1, {batch_size, 1});
  const auto mask = (torch::arange(seq_len).unsqueeze(0) < lengths).to(torch::kFloat32);
  b.photometry_mask.copy_(mask);
  b.photometry.copy_(torch::randn(b.photometry.sizes()) * mask.unsqueeze(-1));
  b.spectra.normal_();
  b.metadata.normal_();
  b.labels.fill_(0);
  b.present.fill_(true);
  b.rows.copy_(torch::arange(batch_size));
  return b;
}

void write_json(const std::string& path, const json& doc) {
  std::ofstream out(path);
  out << doc.dump(2) << "\n";
  if (!out) throw std::runtime_error("cannot write " + path);
}

void synchronize(const c10::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"astrom3 model benchmark: training step and inference throughput"};
  config::ConfigSources sources;
  std::string mode = "step", device_spec = "cpu", print_model, print_train, profile;
  std::int64_t batch = 0;
  int steps = 10, warmup = 2, threads = 2;
  app.add_option("--config", sources.files, "run config (repeatable)");
  app.add_option("--set", sources.assignments, "a.b=value (repeatable)");
  app.add_option("--mode", mode, "step | infer")->check(CLI::IsMember({"step", "infer"}));
  app.add_option("--batch", batch, "batch size (default: loader.batch_size)");
  app.add_option("--steps", steps, "timed steps");
  app.add_option("--warmup", warmup, "untimed steps first");
  app.add_option("--threads", threads, "intra-op threads");
  app.add_option("--device", device_spec, "cpu | cuda | cuda:N");
  app.add_option("--print-model", print_model, "write the resolved model options (JSON) and exit");
  app.add_option("--print-train", print_train, "write the training options (JSON) and exit");
  app.add_option("--profile", profile,
                 "write a Chrome trace of the timed steps (LibTorch's autograd profiler)");
  CLI11_PARSE(app, argc, argv);

  try {
    const auto cfg = config::load_run_config(sources);
    const auto options = config::resolved_model_options(cfg);
    if (!print_model.empty() || !print_train.empty()) {
      if (!print_model.empty()) write_json(print_model, config::model_options_to_json(options));
      if (!print_train.empty()) {
        const auto& t = cfg.train;
        write_json(print_train, {{"lr", t.lr},
                                 {"beta1", t.beta1},
                                 {"beta2", t.beta2},
                                 {"eps", t.eps},
                                 {"weight_decay", t.weight_decay},
                                 {"clip_grad_norm", t.clip_grad_norm},
                                 {"batch_size", cfg.loader.batch_size},
                                 {"seq_len", cfg.data.seq_len}});
      }
      return 0;
    }
    torch::set_num_threads(threads);
    const auto device = resolve_device(device_spec);
    if (batch <= 0) batch = cfg.loader.batch_size;
    const auto precision = cfg.train.precision;  // --set train.precision=bf16: mixed precision
    warn_if_bf16_is_emulated(precision, device, "bench");
    if (device.is_cuda()) allow_tf32(cfg.train.allow_tf32);

    auto model = model::make_model(options, cfg.runtime.seed);
    model->to(device);
    train::ClipObjective objective(model);
    objective.set_precision(precision);
    const auto optimizer = train::make_optimizer(*model, cfg.train);
    const auto parameters = model->parameters();
    const auto batch_data = random_batch(batch, options.seq_len, 1).to(device);

    std::uint64_t global_step = 0;
    std::function<void()> run;
    if (mode == "step") {
      model->train();
      run = [&] {
        const auto out =
            train::forward_step(objective, *optimizer, batch_data, cfg.runtime.seed, global_step++);
        train::backward_step(out, *optimizer, parameters, cfg.train.clip_grad_norm);
      };
    } else {
      model->eval();
      run = [&] {
        torch::InferenceMode guard;
        model->embed(batch_data);
      };
    }
    for (int i = 0; i < warmup; ++i) run();
    synchronize(device);
#ifdef ASTROM3_BENCH_GPU_MEMORY
    if (device.is_cuda()) c10::cuda::CUDACachingAllocator::resetPeakStats(device.index());
#endif
    std::optional<torch::autograd::profiler::RecordProfile> recording;
    if (!profile.empty()) recording.emplace(profile);
    const auto t0 = Clock::now();
    for (int i = 0; i < steps; ++i) run();
    synchronize(device);
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    recording.reset();

    const auto flops = model::forward_flops(options);
    const double per_sample = mode == "step" ? model::training_flops(flops) : flops.total();
    const double rate = steps * batch / seconds;
    json out = {{"mode", mode},
                {"batch", batch},
                {"steps", steps},
                {"threads", threads},
                {"device", device.str()},
                {"precision", name_of(precision, precision_names())},
                {"samples_per_s", rate},
                {"flops_per_sample", per_sample},
                {"gflops_per_s", rate * per_sample / 1e9},
                {"peak_rss_mb", peak_rss_mb()}};
#ifdef ASTROM3_BENCH_GPU_MEMORY
    if (device.is_cuda()) {
      // Index 0 of every stat array is the aggregate over pool types, in every LibTorch version.
      const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index());
      out["gpu_peak_allocated_mb"] = static_cast<double>(stats.allocated_bytes[0].peak) / 1048576.0;
    }
#endif
    std::cout << out.dump() << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "astrom3_bench_model: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

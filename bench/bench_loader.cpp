// Batch-assembly throughput of astrom3's loader at the paper's shapes (seq_len 200, 2575-point
// spectra, batch 512). Prints one JSON object; scripts/bench_loader.sh compares it with a
// per-sample numpy implementation of the same preprocessing.
#include <torch/torch.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>

#include <nlohmann/json.hpp>

#include "astrom3/data/batch_loader.h"
#include "astrom3/data/survey_io.h"

using namespace astrom3;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Samples per second over `epochs` training epochs (random crops, shuffled, drop_last).
double throughput(const std::shared_ptr<const data::SampleStore>& store,
                  const data::LoaderOptions& options, int epochs, std::int64_t* samples) {
  data::BatchLoader loader(store, options, /*training=*/true, 42);
  *samples = 0;
  const auto t0 = Clock::now();
  for (int e = 0; e < epochs; ++e) {
    loader.start_epoch(e);
    while (auto b = loader.next()) *samples += b->size();
  }
  return *samples / seconds_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"astrom3 loader benchmark"};
  std::string path;
  std::string split_set = "full_42";
  std::int64_t batch_size = 512, seq_len = 200;
  int workers = 2, epochs = 3;
  app.add_option("--data", path, "survey file")->required();
  app.add_option("--split-set", split_set);
  app.add_option("--batch-size", batch_size);
  app.add_option("--seq-len", seq_len);
  app.add_option("--workers", workers);
  app.add_option("--epochs", epochs);
  CLI11_PARSE(app, argc, argv);
  torch::set_num_threads(1);  // batch assembly uses the loader's own threads

  auto t0 = Clock::now();
  auto survey = std::make_shared<const data::Survey>(data::read_survey(path));
  const double read_s = seconds_since(t0);
  const auto& set = survey->split_set(split_set);

  data::DataOptions d;
  d.seq_len = seq_len;
  data::LoaderOptions lo;
  lo.batch_size = batch_size;
  lo.workers = workers;

  nlohmann::json out;
  out["objects"] = set.train.size();
  out["batch_size"] = batch_size;
  out["seq_len"] = seq_len;
  out["workers"] = workers;
  out["read_seconds"] = read_s;

  // Per-sample preprocessing on every access, as the Python original's data loader does.
  d.cache_preprocessed = false;
  auto fresh =
      std::make_shared<data::SampleStore>(survey, set.train, set.normalization, d, workers);
  std::int64_t n = 0;
  out["per_sample_samples_per_s"] = throughput(fresh, lo, 1, &n);

  // Default: crop-independent preprocessing once, then crops only.
  d.cache_preprocessed = true;
  t0 = Clock::now();
  auto cached =
      std::make_shared<data::SampleStore>(survey, set.train, set.normalization, d, workers);
  out["prepare_seconds"] = seconds_since(t0);
  out["cached_samples_per_s"] = throughput(cached, lo, epochs, &n);
  out["cached_samples"] = n;
  std::cout << out.dump() << std::endl;
  return 0;
}

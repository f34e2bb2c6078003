// Google Benchmark micro-benchmarks of the parts a training step spends its time in, at the
// paper's shapes (batch 32, seq_len 200, d_model 128, 4 heads, d_ff 512, 2575-point spectra,
// 512-d embeddings). They locate costs; scripts/bench.sh measures the whole step against
// PyTorch. Run: build/bench/astrom3_bench_micro [--benchmark_filter=REGEX]
//
// Forward+backward benchmarks time one forward pass and its backward pass with a summed
// output as the loss, so the backward pass of every layer runs.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cmath>
#include <vector>

#include "astrom3/data/lightcurve_preprocess.h"
#include "astrom3/data/spectrum_preprocess.h"
#include "astrom3/model/attention.h"
#include "astrom3/model/contrastive_loss.h"
#include "astrom3/model/dropout.h"
#include "astrom3/model/photometry_encoder.h"
#include "astrom3/model/spectra_encoder.h"

using namespace astrom3;

namespace {

constexpr std::int64_t kBatch = 32, kSeqLen = 200, kDModel = 128, kHeads = 4;

void configure(benchmark::State& state) {
  torch::set_num_threads(static_cast<int>(state.range(0)));
  torch::manual_seed(0);
}

void set_items(benchmark::State& state, std::int64_t per_iteration) {
  state.SetItemsProcessed(state.iterations() * per_iteration);
}

// ---------------------------------------------------------------- preprocessing (per sample)

void BM_PrepareLightCurve(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  std::vector<double> t(n);
  std::vector<float> f(n), e(n);
  for (std::int64_t i = 0; i < n; ++i) {
    t[i] = 2450000.0 + 1.7 * static_cast<double>(i);
    f[i] = 10.0f + std::sin(0.3f * static_cast<float>(i));
    e[i] = 0.1f;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(data::prepare_lightcurve(t.data(), f.data(), e.data(), n));
  }
  set_items(state, 1);
}
BENCHMARK(BM_PrepareLightCurve)->Arg(200)->Arg(1000);

void BM_PrepareSpectrum(benchmark::State& state) {
  const std::int64_t n = 3900;  // a LAMOST low-resolution spectrum
  std::vector<float> wl(n), f(n), iv(n);
  for (std::int64_t i = 0; i < n; ++i) {
    wl[i] = 3700.0f + 1.38f * static_cast<float>(i);
    f[i] = 100.0f + std::cos(0.01f * static_cast<float>(i));
    iv[i] = 0.5f;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(data::prepare_spectrum(wl.data(), f.data(), iv.data(), n, 0.5));
  }
  set_items(state, 1);
}
BENCHMARK(BM_PrepareSpectrum);

// ---------------------------------------------------------------- model parts (arg: threads)

// Random queries, keys or values of one attention layer: [B, H, L, D] with gradients.
torch::Tensor heads() {
  return torch::randn({kBatch, kHeads, kSeqLen, kDModel / kHeads}, torch::requires_grad());
}

// Times forward and backward of `loss()` (a 0-d tensor) per iteration, kBatch samples each.
template <typename Loss>
void time_backward(benchmark::State& state, Loss loss) {
  for (auto _ : state) loss().backward();
  set_items(state, kBatch);
}

void BM_ProbSparseAttention(benchmark::State& state) {
  configure(state);
  const auto q = heads(), k = heads(), v = heads();
  const auto u = model::probsparse_count(1, kSeqLen);
  const auto index = model::probsparse_sample_index(kSeqLen, u, 1);
  time_backward(state, [&] { return model::probsparse_attention(q, k, v, index, u).sum(); });
}
BENCHMARK(BM_ProbSparseAttention)->Arg(2)->Unit(benchmark::kMillisecond);

void BM_FullAttention(benchmark::State& state) {
  configure(state);
  const auto q = heads(), k = heads(), v = heads();
  const auto valid = torch::ones({kBatch, kSeqLen}, torch::kBool);
  time_backward(state, [&] { return model::full_attention(q, k, v, valid).sum(); });
}
BENCHMARK(BM_FullAttention)->Arg(2)->Unit(benchmark::kMillisecond);

void BM_EncoderLayer(benchmark::State& state) {
  configure(state);
  model::PhotometryEncoderOptions o;
  o.dropout = 0.245;
  model::EncoderLayer layer(o);
  layer->train();
  const auto x = torch::randn({kBatch, kSeqLen, kDModel}, torch::requires_grad());
  const auto valid = torch::ones({kBatch, kSeqLen}, torch::kBool);
  const auto index =
      model::probsparse_sample_index(kSeqLen, model::probsparse_count(1, kSeqLen), 1);
  time_backward(state, [&] { return layer->forward(x, valid, index).sum(); });
}
BENCHMARK(BM_EncoderLayer)->Arg(2)->Unit(benchmark::kMillisecond);

void BM_SpectraEncoder(benchmark::State& state) {
  configure(state);
  model::SpectraEncoderOptions o;
  o.dropout = 0.339;
  model::SpectraEncoder encoder(o, 2575);
  encoder->train();
  const auto x = torch::randn({kBatch, 3, 2575});
  time_backward(state, [&] { return encoder->forward(x).sum(); });
}
BENCHMARK(BM_SpectraEncoder)->Arg(2)->Unit(benchmark::kMillisecond);

void BM_FlattenProjection(benchmark::State& state) {
  configure(state);
  torch::nn::Linear projection(kSeqLen * kDModel, 512);
  const auto x = torch::randn({kBatch, kSeqLen * kDModel}, torch::requires_grad());
  time_backward(state, [&] { return projection(x).sum(); });
}
BENCHMARK(BM_FlattenProjection)->Arg(2)->Unit(benchmark::kMillisecond);

// Training-mode dropout (p of the paper's photometry encoder) of one feed-forward activation.
template <torch::Tensor (*Dropout)(const torch::Tensor&, double, bool)>
void BM_DropoutOf(benchmark::State& state) {
  configure(state);
  const auto x = torch::randn({kBatch, kSeqLen, 512});
  for (auto _ : state) benchmark::DoNotOptimize(Dropout(x, 0.245, /*train=*/true));
  set_items(state, kBatch);
}
torch::Tensor libtorch_dropout(const torch::Tensor& x, double p, bool train) {
  return torch::dropout(x, p, train);
}
BENCHMARK_TEMPLATE(BM_DropoutOf, libtorch_dropout)
    ->Name("BM_Dropout")
    ->Arg(2)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_DropoutOf, model::fast_dropout)
    ->Name("BM_FastDropout")
    ->Arg(2)
    ->Unit(benchmark::kMillisecond);
// The same activation in bf16 (mixed precision): the same masks on 16-bit values.
void BM_FastDropoutBf16(benchmark::State& state) {
  configure(state);
  const auto x = torch::randn({kBatch, kSeqLen, 512}).to(torch::kBFloat16);
  for (auto _ : state) benchmark::DoNotOptimize(model::fast_dropout(x, 0.245, /*train=*/true));
  set_items(state, kBatch);
}
BENCHMARK(BM_FastDropoutBf16)->Arg(2)->Unit(benchmark::kMillisecond);

void BM_ContrastiveLoss(benchmark::State& state) {
  configure(state);
  const auto B = state.range(1);
  std::vector<torch::Tensor> embeddings;
  for (int m = 0; m < 3; ++m) {
    const auto e = torch::randn({B, 512});
    embeddings.push_back((e / e.norm(2, {-1}, true)).requires_grad_());
  }
  const auto present = torch::ones({B, 3}, torch::kBool);
  const std::vector<model::ModalityPair> pairs = {{0, 1, "ps"}, {1, 2, "sm"}, {2, 0, "mp"}};
  const std::vector<torch::Tensor> scales(3, torch::full({}, 100.0f));
  for (auto _ : state) model::contrastive_loss(embeddings, present, pairs, scales).total.backward();
  set_items(state, B);
}
BENCHMARK(BM_ContrastiveLoss)->Args({2, 32})->Args({2, 512});

}  // namespace

BENCHMARK_MAIN();

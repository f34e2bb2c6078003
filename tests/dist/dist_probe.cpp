// One rank of the multi-process c10d checks of tests/dist/comm_test.cpp, started once per rank
// with torchrun's variables (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT). Exit status 0 when
// every check of the scenario held on this rank; it prints what differed otherwise.
//   dist_probe collectives   all_reduce, all_gather, broadcast, barrier, uneven gathers
//   dist_probe clip-grad     distributed contrastive loss and its gradient vs autograd on the
//                            global batch (computed by every rank on its own)
//   dist_probe reducer       GradientReducer sums equal the global gradient
//   dist_probe die           the last rank exits abruptly; the others must get an Error from
//                            their next collective within dist.timeout_s
#include <torch/torch.h>

#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "astrom3/common/error.h"
#include "astrom3/dist/comm.h"
#include "astrom3/dist/gradient_reducer.h"
#include "astrom3/dist/launch.h"
#include "astrom3/dist/shard.h"
#include "astrom3/model/contrastive_loss.h"

namespace {

using namespace astrom3;

int failures = 0;

void check(bool ok, const std::string& what) {
  if (!ok) {
    std::cerr << "probe check failed: " << what << std::endl;
    ++failures;
  }
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

void collectives(dist::Comm& comm) {
  const int r = comm.rank(), w = comm.world_size();
  auto t = torch::full({3}, static_cast<double>(r + 1), torch::kFloat32);
  comm.all_reduce(t);
  check(torch::allclose(t, torch::full({3}, w * (w + 1) / 2.0)), "all_reduce sum");
  auto m = torch::tensor({static_cast<float>(r), static_cast<float>(-r)});
  comm.all_reduce(m, dist::ReduceOp::kMax);
  check(m[0].item<float>() == w - 1 && m[1].item<float>() == 0, "all_reduce max");
  const auto g = comm.all_gather(torch::full({2, 2}, static_cast<float>(r)));
  check(g.size(0) == 2 * w, "all_gather shape");
  for (int k = 0; k < w; ++k) check(g[2 * k + 1][1].item<float>() == k, "all_gather order");
  auto b = torch::full({4}, static_cast<float>(r == 0 ? 7 : -1));
  comm.broadcast(b);
  check(torch::equal(b, torch::full({4}, 7.0f)), "broadcast from rank 0");
  comm.barrier();
  // Uneven rows: rank k holds k + 1 rows of value k.
  const auto counts = dist::gather_counts(comm, r + 1);
  check(static_cast<int>(counts.size()) == w && counts.back() == w, "gather_counts");
  const auto rows = dist::gather_rows(comm, torch::full({r + 1, 3}, static_cast<float>(r)), counts);
  std::int64_t at = 0;
  for (int k = 0; k < w; ++k) {
    check(torch::equal(rows.narrow(0, at, k + 1), torch::full({k + 1, 3}, static_cast<float>(k))),
          "gather_rows of rank " + std::to_string(k));
    at += k + 1;
  }
  check(rows.size(0) == at, "gather_rows size");
}

// A tiny trainable "encoder" per modality: embeddings = normalize(X_m W_m). Every rank builds
// the same global batch and weights from the seed, embeds its own rows, and back-propagates
// its loss share; the reference is plain autograd over the whole batch on this rank.
void clip_gradient(dist::Comm& comm) {
  const std::int64_t G = 15, D = 5, E = 4;  // 15 rows: ranks hold unequal shards
  torch::manual_seed(1234);
  std::vector<torch::Tensor> X, W;
  for (int m = 0; m < 3; ++m) {
    X.push_back(torch::randn({G, D}));
    W.push_back(torch::randn({D, E}));
  }
  auto present = torch::rand({G, 3}).gt(0.25);
  const std::vector<model::ModalityPair> pairs = {{0, 1, "ps"}, {1, 2, "sm"}, {2, 0, "mp"}};
  const std::vector<torch::Tensor> scales = {torch::tensor(2.5f), torch::tensor(4.0f),
                                             torch::tensor(1.5f)};
  const auto embed = [](const torch::Tensor& x, const torch::Tensor& w) {
    return torch::nn::functional::normalize(torch::matmul(x, w),
                                            torch::nn::functional::NormalizeFuncOptions().dim(1));
  };

  std::vector<torch::Tensor> w_ref, x_ref, emb_ref;
  for (int m = 0; m < 3; ++m) {
    w_ref.push_back(W[m].clone().requires_grad_(true));
    x_ref.push_back(X[m].clone().requires_grad_(true));
    emb_ref.push_back(embed(x_ref[m], w_ref[m]));
  }
  const auto reference = model::contrastive_loss(emb_ref, present, pairs, scales);
  reference.total.backward();

  const auto counts = dist::shard_sizes(G, comm.world_size());
  const auto mine = dist::shard_range(G, {comm.rank(), comm.world_size()});
  std::vector<torch::Tensor> w_loc, x_loc, local, global;
  for (int m = 0; m < 3; ++m) {
    w_loc.push_back(W[m].clone().requires_grad_(true));
    x_loc.push_back(X[m].narrow(0, mine.begin, mine.size()).clone().requires_grad_(true));
    local.push_back(embed(x_loc[m], w_loc[m]));
    global.push_back(dist::gather_rows_with_grad(comm, local[m], counts));
  }
  const auto share =
      model::contrastive_loss_share(local, global, present.narrow(0, mine.begin, mine.size()),
                                    present, mine.begin, pairs, scales);
  share.total.backward();

  auto loss = share.total.detach().reshape({1}).clone();
  comm.all_reduce(loss);
  const double dl = std::abs(loss.item<double>() - reference.total.item<double>());
  std::cout << "rank " << comm.rank() << ": global loss " << loss.item<double>()
            << " single-process " << reference.total.item<double>() << " |diff| " << dl
            << std::endl;
  check(dl <= 1e-5, "summed loss shares equal the global loss");
  for (int m = 0; m < 3; ++m) {
    // Input rows: the gradient arrives at the owner without any further reduction.
    const auto dx = max_diff(x_loc[m].grad(), x_ref[m].grad().narrow(0, mine.begin, mine.size()));
    // Weights: summed over ranks (what GradientReducer does), not averaged.
    auto gw = w_loc[m].grad().clone();
    comm.all_reduce(gw);
    const auto dw = max_diff(gw, w_ref[m].grad());
    std::cout << "rank " << comm.rank() << " modality " << m << ": max |grad diff| rows " << dx
              << " weights " << dw << std::endl;
    check(dx <= 1e-5, "row gradient of modality " + std::to_string(m));
    check(dw <= 1e-5, "weight gradient of modality " + std::to_string(m));
  }
}

// GradientReducer over a two-layer model with an unused parameter: the summed, bucketed
// gradients equal the gradient of the summed loss; a parameter no rank used keeps none.
void reducer(std::shared_ptr<dist::Comm> comm) {
  torch::manual_seed(99);
  torch::nn::Sequential net(torch::nn::Linear(6, 16), torch::nn::Tanh(), torch::nn::Linear(16, 3));
  auto unused = torch::randn({4}).requires_grad_(true);
  const auto x = torch::randn({8, 6});
  auto params = net->parameters();
  params.push_back(unused);
  // Reference: gradient of the loss summed over every rank's rows, in this process.
  const auto loss_of = [&](const torch::Tensor& rows) { return net->forward(rows).pow(2).sum(); };
  loss_of(x).backward();
  std::vector<torch::Tensor> want;
  for (auto& p : net->parameters()) {
    want.push_back(p.grad().clone());
    p.mutable_grad() = torch::Tensor();
  }
  dist::GradientReducer reduce(comm, params, /*bucket_mb=*/0.0001);  // 100 bytes: several buckets
  check(reduce.buckets() > 1, "several buckets");
  const auto mine = dist::shard_range(8, {comm->rank(), comm->world_size()});
  for (int step = 0; step < 2; ++step) {  // hooks and buckets are reusable across steps
    for (auto& p : params) p.mutable_grad() = torch::Tensor();
    loss_of(x.narrow(0, mine.begin, mine.size())).backward();
    reduce.finish();
    const auto got = net->parameters();
    for (std::size_t k = 0; k < got.size(); ++k) {
      check(got[k].grad().defined() && max_diff(got[k].grad(), want[k]) <= 1e-5,
            "reduced gradient of parameter " + std::to_string(k));
    }
    check(!unused.grad().defined(), "an unused parameter keeps no gradient");
  }
}

int die(dist::Comm& comm) {
  if (comm.rank() == comm.world_size() - 1) {
    std::cerr << "rank " << comm.rank() << " exits without a word" << std::endl;
    std::_Exit(9);
  }
  const auto start = std::chrono::steady_clock::now();
  try {
    for (int i = 0; i < 1000; ++i) {
      auto t = torch::ones({1024});
      comm.all_reduce(t);
      usleep(1000);
    }
  } catch (const Error& e) {
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << "rank " << comm.rank() << " got after " << s << " s: " << e.what() << std::endl;
    return std::string(e.what()).find("distributed all_reduce failed") == std::string::npos ? 1 : 0;
  }
  std::cerr << "rank " << comm.rank() << ": no error although a rank died" << std::endl;
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: dist_probe collectives|clip-grad|reducer|die" << std::endl;
    return 2;
  }
  const std::string scenario = argv[1];
  torch::set_num_threads(1);
  try {
    const auto launch = dist::detect_launch();
    dist::CommOptions options;
    options.backend = dist::Backend::kGloo;
    options.timeout_s = 20;
    auto comm = dist::Comm::create(launch, options, c10::Device(c10::kCPU));
    if (scenario == "collectives") {
      collectives(*comm);
    } else if (scenario == "clip-grad") {
      clip_gradient(*comm);
    } else if (scenario == "reducer") {
      reducer(comm);
    } else if (scenario == "die") {
      return die(*comm);
    } else {
      std::cerr << "unknown scenario " << scenario << std::endl;
      return 2;
    }
    comm->barrier();
  } catch (const std::exception& e) {
    std::cerr << "probe error: " << e.what() << std::endl;
    return 3;
  }
  return failures == 0 ? 0 : 1;
}

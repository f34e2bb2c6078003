// Launch detection (torchrun and SLURM variables), shard arithmetic, and the data-parallel
// pieces that need no second process: loader shards, dropout masks of a shard, and the
// contrastive loss shares, whose sum and gradient must equal the global batch's.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>

#include "astrom3/common/error.h"
#include "astrom3/data/batch_loader.h"
#include "astrom3/dist/launch.h"
#include "astrom3/dist/shard.h"
#include "astrom3/model/contrastive_loss.h"
#include "astrom3/model/dropout.h"
#include "support/test_support.h"

namespace astrom3::dist {
namespace {

Environment env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(Launch, NoVariablesIsASingleProcess) {
  const auto info = detect_launch(env_of({{"PATH", "/usr/bin"}}));
  EXPECT_FALSE(info.distributed());
  EXPECT_EQ(info.rank, 0);
  EXPECT_EQ(info.world_size, 1);
  EXPECT_EQ(info.source, "single");
}

TEST(Launch, TorchrunVariables) {
  const auto info = detect_launch(env_of({{"RANK", "5"},
                                          {"WORLD_SIZE", "8"},
                                          {"LOCAL_RANK", "1"},
                                          {"MASTER_ADDR", "node7"},
                                          {"MASTER_PORT", "29611"}}));
  EXPECT_TRUE(info.distributed());
  EXPECT_EQ(info.rank, 5);
  EXPECT_EQ(info.world_size, 8);
  EXPECT_EQ(info.local_rank, 1);
  EXPECT_EQ(info.master_addr, "node7");
  EXPECT_EQ(info.master_port, 29611);
  EXPECT_EQ(info.source, "torchrun");
}

TEST(Launch, TorchrunWinsOverSlurm) {
  const auto info = detect_launch(
      env_of({{"RANK", "1"}, {"WORLD_SIZE", "2"}, {"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "4"}}));
  EXPECT_EQ(info.world_size, 2);
  EXPECT_EQ(info.rank, 1);
  EXPECT_EQ(info.local_rank, 1);  // LOCAL_RANK unset: the global rank (one node)
}

TEST(Launch, SlurmVariables) {
  const auto info = detect_launch(env_of({{"SLURM_PROCID", "6"},
                                          {"SLURM_NTASKS", "8"},
                                          {"SLURM_LOCALID", "2"},
                                          {"SLURM_JOB_ID", "4242"},
                                          {"SLURM_JOB_NODELIST", "gpu[012-013],cpu1"}}));
  EXPECT_EQ(info.source, "slurm");
  EXPECT_EQ(info.rank, 6);
  EXPECT_EQ(info.world_size, 8);
  EXPECT_EQ(info.local_rank, 2);
  EXPECT_EQ(info.master_addr, "gpu012");
  EXPECT_EQ(info.master_port, 29500 + 242);
}

TEST(Launch, SlurmStepTasksAndMasterOverrides) {
  // Inside srun the step's task count is the world; MASTER_* override the node list.
  const auto info = detect_launch(env_of({{"SLURM_PROCID", "1"},
                                          {"SLURM_NTASKS", "16"},
                                          {"SLURM_STEP_NUM_TASKS", "4"},
                                          {"SLURM_NODELIST", "a1"},
                                          {"MASTER_ADDR", "10.0.0.3"},
                                          {"MASTER_PORT", "1234"}}));
  EXPECT_EQ(info.world_size, 4);
  EXPECT_EQ(info.master_addr, "10.0.0.3");
  EXPECT_EQ(info.master_port, 1234);
  // A batch script with one task and no srun stays a single process.
  EXPECT_FALSE(detect_launch(env_of({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "1"}})).distributed());
  EXPECT_FALSE(detect_launch(env_of({{"SLURM_NTASKS", "4"}})).distributed());
}

TEST(Launch, MalformedVariablesNameTheVariable) {
  const auto message = [](std::map<std::string, std::string> vars) {
    try {
      detect_launch(env_of(std::move(vars)));
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({{"RANK", "x"}, {"WORLD_SIZE", "2"}}).find("RANK=\"x\""), std::string::npos);
  EXPECT_NE(message({{"RANK", "2"}, {"WORLD_SIZE", "2"}}).find("outside a world of 2"),
            std::string::npos);
  EXPECT_NE(message({{"RANK", "0"}}).find("WORLD_SIZE is not set"), std::string::npos);
  EXPECT_NE(message({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "70000"}})
                .find("not a TCP port"),
            std::string::npos);
}

TEST(Launch, FirstSlurmHost) {
  EXPECT_EQ(first_slurm_host("node01"), "node01");
  EXPECT_EQ(first_slurm_host("node[01-04]"), "node01");
  EXPECT_EQ(first_slurm_host("gpu[7,9-12]"), "gpu7");
  EXPECT_EQ(first_slurm_host("a[3-4]b[1-2],c5"), "a3b1");
  EXPECT_EQ(first_slurm_host("x1,x2"), "x1");
  EXPECT_THROW(first_slurm_host(""), ConfigError);
}

TEST(Shard, RangesPartitionInOrder) {
  for (std::int64_t n : {0, 1, 7, 16, 100}) {
    for (int count : {1, 2, 3, 7}) {
      std::int64_t next = 0;
      const auto sizes = shard_sizes(n, count);
      for (int i = 0; i < count; ++i) {
        const auto r = shard_range(n, {i, count});
        EXPECT_EQ(r.begin, next);
        EXPECT_LE(r.size(), n / count + 1);
        EXPECT_GE(r.size(), n / count);
        EXPECT_EQ(sizes[static_cast<std::size_t>(i)], r.size());
        next = r.end;
      }
      EXPECT_EQ(next, n);
    }
  }
  EXPECT_EQ(shard_range(10, {1, 4}).begin, 2);
  EXPECT_EQ(shard_range(10, {1, 4}).end, 5);
}

TEST(Shard, KeepShardCutsTheConcatenationOfSeveralLists) {
  // 9 elements in lists of 3, 2 and 4; 4 shards are positions [0,2) [2,4) [4,6) [6,9).
  const std::vector<std::vector<std::int64_t>> lists = {{10, 11, 12}, {13, 14}, {15, 16, 17, 18}};
  std::vector<std::int64_t> joined;
  for (int i = 0; i < 4; ++i) {
    auto a = lists[0], b = lists[1], c = lists[2];
    EXPECT_EQ(keep_shard({&a, &b, &c}, {i, 4}), 9);
    if (i == 1) {
      EXPECT_EQ(a, (std::vector<std::int64_t>{12}));
      EXPECT_EQ(b, (std::vector<std::int64_t>{13}));
      EXPECT_TRUE(c.empty());
    }
    if (i == 3) {
      EXPECT_TRUE(a.empty() && b.empty());
      EXPECT_EQ(c, (std::vector<std::int64_t>{16, 17, 18}));
    }
    for (const auto* part : {&a, &b, &c}) joined.insert(joined.end(), part->begin(), part->end());
  }
  EXPECT_EQ(joined, (std::vector<std::int64_t>{10, 11, 12, 13, 14, 15, 16, 17, 18}));
  std::vector<std::int64_t> empty;
  EXPECT_EQ(keep_shard({&empty}, {2, 3}), 0);
  EXPECT_TRUE(empty.empty());
}

TEST(Shard, Parse) {
  EXPECT_EQ(parse_shard("3/16").index, 3);
  EXPECT_EQ(parse_shard("3/16").count, 16);
  EXPECT_EQ(parse_shard("0/1").count, 1);
  for (const char* bad : {"16/16", "-1/4", "1/0", "1", "a/b", "1/2x", "/2", "1/"}) {
    EXPECT_THROW(parse_shard(bad), ConfigError) << bad;
  }
}

// The ranks' batches of one global batch concatenate to the single-process batch, for the
// training loader (shuffled, random crops) and the validation loader (last batch partial).
TEST(DataParallelLoader, RankBatchesConcatenateToTheSingleProcessBatch) {
  auto survey = test::small_survey();
  const auto& set = survey->split_set("full_42");
  data::DataOptions o;
  o.seq_len = 64;
  auto store = std::make_shared<data::SampleStore>(survey, set.val, set.normalization, o, 2);
  data::LoaderOptions lo;
  lo.batch_size = 7;
  lo.workers = 1;
  for (const bool training : {true, false}) {
    lo.drop_last = training;
    data::BatchLoader single(store, lo, training, 11);
    single.start_epoch(2);
    std::vector<std::unique_ptr<data::BatchLoader>> ranks;
    for (int r = 0; r < 3; ++r) {
      ranks.push_back(std::make_unique<data::BatchLoader>(store, lo, training, 11,
                                                          c10::Device(c10::kCPU), Shard{r, 3}));
      ranks.back()->start_epoch(2);
    }
    std::int64_t batches = 0;
    while (auto whole = single.next()) {
      std::vector<torch::Tensor> phot, spec, labels;
      std::vector<std::string> ids;
      std::int64_t offset = 0;
      for (auto& loader : ranks) {
        auto part = loader->next();
        ASSERT_TRUE(part.has_value());
        EXPECT_EQ(part->global_offset, offset);
        EXPECT_EQ(part->global_batch_size(), whole->size());
        offset += part->size();
        phot.push_back(part->photometry);
        spec.push_back(part->spectra);
        labels.push_back(part->labels);
        ids.insert(ids.end(), part->ids.begin(), part->ids.end());
      }
      EXPECT_EQ(offset, whole->size());
      EXPECT_TRUE(torch::equal(torch::cat(phot), whole->photometry));
      EXPECT_TRUE(torch::equal(torch::cat(spec), whole->spectra));
      EXPECT_TRUE(torch::equal(torch::cat(labels), whole->labels));
      EXPECT_EQ(ids, whole->ids);
      ++batches;
    }
    for (auto& loader : ranks) EXPECT_FALSE(loader->next().has_value());
    EXPECT_EQ(batches, single.batches_per_epoch());
    EXPECT_EQ(single.smallest_batch(), training ? 7 : store->size() % 7);
  }
}

TEST(DataParallelDropout, AShardDrawsTheSingleProcessMasksOfItsRows) {
  const auto x = torch::randn({10, 6, 5});
  torch::manual_seed(3);
  const auto whole = model::fast_dropout(x, 0.3, true);
  torch::manual_seed(3);
  torch::Tensor part;
  {
    model::DropoutRowOffset rows(4);
    part = model::fast_dropout(x.narrow(0, 4, 3), 0.3, true);
  }
  EXPECT_TRUE(torch::equal(part, whole.narrow(0, 4, 3)));
  // The guard is scoped: without it the slice draws the masks of rows 0..2.
  torch::manual_seed(3);
  const auto unshifted = model::fast_dropout(x.narrow(0, 4, 3), 0.3, true);
  EXPECT_TRUE(torch::equal(unshifted.ne(0), whole.narrow(0, 0, 3).ne(0)));
  EXPECT_FALSE(torch::equal(unshifted, part));
}

// The "local loss" identity behind exact distributed CLIP training, checked in one process:
// with rank r holding rows R_r, its share uses its rows against all gathered columns; the
// shares sum to the global loss, and back-propagating the sum (the gather's backward delivers
// every rank's gradient of a row to the row's owner) gives the global batch's gradient.
TEST(DataParallelContrastive, SharesSumToTheGlobalLossAndGradient) {
  torch::manual_seed(5);
  const std::int64_t G = 11, E = 6;
  const std::vector<model::ModalityPair> pairs = {{0, 1, "a_b"}, {0, 2, "a_c"}, {1, 2, "b_c"}};
  std::vector<torch::Tensor> base;
  for (int m = 0; m < 3; ++m)
    base.push_back(torch::nn::functional::normalize(
        torch::randn({G, E}), torch::nn::functional::NormalizeFuncOptions().dim(1)));
  auto present = torch::rand({G, 3}).gt(0.2);
  present[0].fill_(true);
  std::vector<torch::Tensor> scales = {torch::tensor(3.0), torch::tensor(5.0), torch::tensor(2.0)};

  std::vector<torch::Tensor> full;
  for (const auto& b : base) full.push_back(b.clone().requires_grad_(true));
  const auto reference = model::contrastive_loss(full, present, pairs, scales);
  reference.total.backward();

  const std::vector<std::int64_t> counts = shard_sizes(G, 3);  // 3, 4, 4
  std::vector<std::vector<torch::Tensor>> leaves(3);
  std::int64_t offset = 0;
  for (std::size_t r = 0; r < counts.size(); ++r) {
    for (const auto& b : base)
      leaves[r].push_back(b.narrow(0, offset, counts[r]).clone().requires_grad_(true));
    offset += counts[r];
  }
  std::vector<torch::Tensor> global;
  for (int m = 0; m < 3; ++m) {
    std::vector<torch::Tensor> parts;
    for (std::size_t r = 0; r < counts.size(); ++r) parts.push_back(leaves[r][m]);
    global.push_back(torch::cat(parts));
  }
  torch::Tensor total = torch::zeros({});
  std::int64_t correct = 0, counted = 0;
  offset = 0;
  std::vector<torch::Tensor> pair_sums(pairs.size(), torch::zeros({}));
  for (std::size_t r = 0; r < counts.size(); ++r) {
    const auto share = model::contrastive_loss_share(
        leaves[r], global, present.narrow(0, offset, counts[r]), present, offset, pairs, scales);
    total = total + share.total;
    for (std::size_t p = 0; p < pairs.size(); ++p) pair_sums[p] = pair_sums[p] + share.pairs[p];
    correct += share.retrieval_correct.item<std::int64_t>();
    counted += share.retrieval_counted.item<std::int64_t>();
    offset += counts[r];
  }
  EXPECT_NEAR(total.item<double>(), reference.total.item<double>(), 1e-5);
  for (std::size_t p = 0; p < pairs.size(); ++p) {
    EXPECT_NEAR(pair_sums[p].item<double>(), reference.pairs[p].item<double>(), 1e-5);
  }
  EXPECT_EQ(correct, reference.retrieval_correct.item<std::int64_t>());
  EXPECT_EQ(counted, reference.retrieval_counted.item<std::int64_t>());
  total.backward();
  for (int m = 0; m < 3; ++m) {
    std::vector<torch::Tensor> grads;
    for (std::size_t r = 0; r < counts.size(); ++r) grads.push_back(leaves[r][m].grad());
    EXPECT_TRUE(torch::allclose(torch::cat(grads), full[m].grad(), 1e-5, 1e-6)) << "modality " << m;
  }
}

}  // namespace
}  // namespace astrom3::dist

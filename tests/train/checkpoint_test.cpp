// Checkpoint files carry SHA-256 digests in their manifest, verified on every load.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <fstream>

#include "astrom3/common/error.h"
#include "astrom3/common/sha256.h"
#include "astrom3/config/run_config.h"
#include "astrom3/train/checkpoint.h"
#include "astrom3/train/checkpointer.h"
#include "support/test_support.h"

namespace astrom3::train {
namespace {
namespace fs = std::filesystem;

void flip_byte(const fs::path& file, std::uintmax_t at) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(at));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(at));
  f.put(static_cast<char>(c ^ 0x10));
}

TEST(Checkpointer, NamesSortInTrainingOrder) {
  EXPECT_EQ(Checkpointer::name(3, 0), "epoch-0003");
  EXPECT_EQ(Checkpointer::name(3, 120), "epoch-0003-step-000120");
  EXPECT_LT(Checkpointer::name(3, 0), Checkpointer::name(3, 120));
  EXPECT_LT(Checkpointer::name(3, 120), Checkpointer::name(4, 0));
}

TEST(Checkpointer, PruningKeepsTheNewestAndWhatLatestAndBestNameAndOnlyTheWriterTouchesDisk) {
  test::TempDir dir;
  const auto run = dir / "run";
  Checkpointer reader(run, 2, /*writer=*/false);
  reader.prepare();
  EXPECT_FALSE(fs::exists(run / "checkpoints"));
  Checkpointer writer(run, 2, /*writer=*/true);
  writer.prepare();
  for (int e = 1; e <= 5; ++e)
    fs::create_directories(run / "checkpoints" / Checkpointer::name(e, 0));
  fs::create_directories(run / "checkpoints" / "notes");  // not a checkpoint: never removed
  writer.mark_best(Checkpointer::name(2, 0));
  point_link(run / "latest", fs::path("checkpoints") / Checkpointer::name(5, 0));
  reader.prune();  // a non-writer removes nothing
  EXPECT_TRUE(fs::exists(run / "checkpoints" / "epoch-0001"));
  writer.prune();
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(run / "checkpoints")) {
    left.push_back(e.path().filename().string());
  }
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"epoch-0002", "epoch-0004", "epoch-0005", "notes"}));
  EXPECT_EQ(fs::read_symlink(run / "best"), fs::path("checkpoints") / "epoch-0002");
}

TEST(Checkpoint, AFlippedByteInAnyFileIsRefusedOnLoad) {
  // A flipped byte in the tensor data or in optimizer.pt used to load with exit 0 and change
  // results (issue 21 item 10).
  test::TempDir dir;
  torch::manual_seed(3);
  torch::nn::Linear model(4, 3);
  torch::optim::Adam optimizer(model->parameters(), 1e-3);
  model->forward(torch::ones({2, 4})).sum().backward();
  optimizer.step();
  const config::RunConfig config;
  save_checkpoint(
      dir / "ck",
      make_manifest(CheckpointKind::kClip, config::to_json(config),
                    config::model_options_to_json(config::resolved_model_options(config)), nullptr),
      *model, &optimizer);
  const auto manifest = read_manifest(dir / "ck");
  ASSERT_EQ(manifest.sha256.size(), 2u);
  EXPECT_EQ(manifest.sha256.at(kWeightsFile), sha256_file(dir / "ck" / kWeightsFile));
  EXPECT_EQ(manifest.sha256.at(kOptimizerFile), sha256_file(dir / "ck" / kOptimizerFile));

  torch::nn::Linear other(4, 3);
  torch::optim::Adam other_optimizer(other->parameters(), 1e-3);
  load_weights(dir / "ck", *other);
  load_optimizer(dir / "ck", other_optimizer, torch::kCPU);
  EXPECT_TRUE(torch::equal(other->weight, model->weight));

  for (const char* name : {kWeightsFile, kOptimizerFile}) {
    const auto damaged = dir / (std::string("damaged-") + name);
    fs::copy(dir / "ck", damaged);
    // The last bytes of the weights file are tensor data; the middle of optimizer.pt is too.
    const auto size = fs::file_size(damaged / name);
    flip_byte(damaged / name, std::string(name) == kWeightsFile ? size - 3 : size / 2);
    test::expect_data_error(
        [&] {
          load_weights(damaged, *other);
          load_optimizer(damaged, other_optimizer, torch::kCPU);
        },
        {(damaged / name).string(), "SHA-256", "differs from the", "damaged or changed"});
  }
}

TEST(Checkpoint, ADanglingLatestNamesTheNewestIntactCheckpoint) {
  test::TempDir dir;
  torch::nn::Linear model(2, 2);
  const config::RunConfig config;
  const auto manifest =
      make_manifest(CheckpointKind::kClip, config::to_json(config),
                    config::model_options_to_json(config::resolved_model_options(config)), nullptr);
  for (const char* name : {"epoch-0001", "epoch-0002"}) {
    save_checkpoint(dir / "run" / "checkpoints" / name, manifest, *model, nullptr);
  }
  point_link(dir / "run" / "latest", fs::path("checkpoints") / "epoch-0003");
  test::expect_data_error([&] { resolve_checkpoint(dir / "run"); },
                          {"latest points to checkpoints/epoch-0003, which holds no checkpoint",
                           "--resume " + (dir / "run" / "checkpoints" / "epoch-0002").string()});
}

}  // namespace
}  // namespace astrom3::train

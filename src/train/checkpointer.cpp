#include "astrom3/train/checkpointer.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <vector>

namespace astrom3::train {
namespace fs = std::filesystem;

Checkpointer::Checkpointer(fs::path run_dir, std::int64_t keep_last, bool writer)
    : run_dir_(std::move(run_dir)), keep_last_(keep_last), writer_(writer) {}

std::string Checkpointer::name(std::int64_t epochs_done, std::int64_t steps_in_epoch) {
  char text[48];
  if (steps_in_epoch == 0) {
    std::snprintf(text, sizeof(text), "epoch-%04lld", static_cast<long long>(epochs_done));
  } else {
    std::snprintf(text, sizeof(text), "epoch-%04lld-step-%06lld",
                  static_cast<long long>(epochs_done), static_cast<long long>(steps_in_epoch));
  }
  return text;
}

void Checkpointer::prepare() const {
  if (writer_) fs::create_directories(run_dir_ / "checkpoints");
}

fs::path Checkpointer::path(const std::string& name) const {
  return run_dir_ / "checkpoints" / name;
}

fs::path Checkpointer::save(const std::string& name, const CheckpointManifest& manifest,
                            torch::nn::Module& module, torch::optim::Optimizer* optimizer) const {
  const fs::path dir = path(name);
  if (!writer_) return dir;
  save_checkpoint(dir, manifest, module, optimizer);
  point_link(run_dir_ / "latest", fs::path("checkpoints") / name);
  return dir;
}

void Checkpointer::mark_best(const std::string& name) const {
  if (writer_) point_link(run_dir_ / "best", fs::path("checkpoints") / name);
}

void Checkpointer::prune() const {
  if (!writer_) return;
  const fs::path dir = run_dir_ / "checkpoints";
  std::set<std::string> keep;
  for (const char* link : {"latest", "best"}) {
    const fs::path p = run_dir_ / link;
    if (fs::is_symlink(p)) keep.insert(fs::read_symlink(p).filename().string());
  }
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const auto name = entry.path().filename().string();
    if (entry.is_directory() && name.rfind("epoch-", 0) == 0) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  const auto keep_last = static_cast<std::size_t>(keep_last_);
  for (std::size_t i = 0; i + keep_last < names.size(); ++i) {
    if (!keep.count(names[i])) fs::remove_all(dir / names[i]);
  }
}

}  // namespace astrom3::train

#include "astrom3/train/split_leakage.h"

#include <spdlog/spdlog.h>

#include "astrom3/common/error.h"

namespace astrom3::train {

std::string split_seed(const std::string& split_set) {
  const auto underscore = split_set.rfind('_');
  return underscore == std::string::npos ? "" : split_set.substr(underscore + 1);
}

void check_split_leakage(const std::string& clip_split_set, const std::string& clip_dir,
                         const std::string& split_set, bool allow) {
  if (clip_split_set.empty()) {
    spdlog::warn(
        "[finetune] {} records no split set (imported weights?): cannot check that its "
        "pre-training data excludes the test objects of {}",
        clip_dir, split_set);
    return;
  }
  if (split_seed(clip_split_set) == split_seed(split_set)) return;
  const std::string message =
      clip_dir + " was pre-trained on split set " + clip_split_set + ", but fine-tuning uses " +
      split_set +
      ": splits of different seeds overlap, so objects of this run's test set were in the "
      "pre-training set (data leakage). Pre-train on the same seed's full split, or pass "
      "--allow-split-mismatch if you know the overlap does not matter.";
  if (!allow) throw ConfigError(message);
  spdlog::warn("[finetune] {}", message);
}

}  // namespace astrom3::train

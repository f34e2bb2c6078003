// What `finetune` does once training has finished: for each checkpoint that the run's `best`
// and `latest` links point to, a softmax temperature fitted on the validation split
// (eval/calibration.h) and an unknown-class detector fitted on the train split with its
// threshold on the same validation objects (eval/open_set.h), both recorded in the manifest.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <c10/core/Device.h>

#include "astrom3/data/batch_loader.h"
#include "astrom3/data/split_data.h"
#include "astrom3/model/classifier.h"

namespace astrom3::train {

/// Fewer labelled val objects than this leave a checkpoint uncalibrated: with a handful of
/// objects the NLL-optimal temperature runs to the ends of its range (T = 0.05 on one object).
inline constexpr std::int64_t kMinCalibrationObjects = 20;

/// Calibrates the checkpoints of `run_dir` (each once, when `best` and `latest` are the same)
/// with `classifier` (its weights are replaced by each checkpoint's in turn), fitting the
/// detector's `unknown_score`. A checkpoint whose val split has
/// fewer than kMinCalibrationObjects labelled objects the classifier reads stays uncalibrated
/// (temperature 1) and without a detector; a warning says so.
void calibrate_run(const std::filesystem::path& run_dir, const data::SplitData& data,
                   model::ClassifierImpl& classifier, const data::LoaderOptions& loader,
                   const c10::Device& device, model::UnknownScore unknown_score);

}  // namespace astrom3::train

// The resolved configuration of one astrom3 invocation. Each section is the options struct of
// one component; docs/configuration.md lists every key.
//
// Precedence: built-in defaults < --config FILE (repeatable, later wins) < --set a.b=v
// (repeatable, in order) < typed flags (--device, --threads, --log-level, --seed, ...).
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "astrom3/config/command_options.h"
#include "astrom3/data/batch_loader.h"
#include "astrom3/data/sample_store.h"
#include "astrom3/dist/comm.h"
#include "astrom3/eval/neighbour_search.h"
#include "astrom3/model/model_options.h"
#include "astrom3/synth/survey_generator.h"
#include "astrom3/train/train_options.h"

namespace astrom3::config {

/// The `runtime` section: how this process runs, not what it computes.
struct RuntimeOptions {
  std::string device = "auto";     // auto | cpu | cuda | cuda:N
  int threads = 0;                 // intra-op and worker threads; 0 = one per core
  std::uint64_t seed = 42;         // seeds every random draw of a run
  std::string log_level = "info";  // trace | debug | info | warn | error | critical | off
};

struct RunConfig {
  RuntimeOptions runtime;
  data::DataOptions data;
  data::LoaderOptions loader;
  synth::SynthOptions synth;
  model::ModelOptions model;
  train::TrainOptions train;
  model::ClassifierOptions finetune;
  dist::CommOptions dist;
  // Commands that analyse files (command_options.h).
  eval::SearchOptions index;  // neighbour search of search, outliers and misclassified
  SearchCommandOptions search;
  OutliersCommandOptions outliers;
  MisclassifiedCommandOptions misclassified;
  MapCommandOptions map;
  PrepareOptions prepare;
};

/// Model options of a run: the `model` section plus the fields derived from the rest of the
/// config (sequence length, spectral grid, sampling seed).
model::ModelOptions resolved_model_options(const RunConfig& config);

/// Model options to and from JSON (the `model` section's keys plus the derived fields), as
/// checkpoint manifests store them.
nlohmann::json model_options_to_json(const model::ModelOptions& options);
model::ModelOptions model_options_from_json(const nlohmann::json& doc);

/// Where a configuration comes from, in increasing precedence.
struct ConfigSources {
  /// A complete config to start from instead of the defaults (a resumed run's), or null.
  nlohmann::json base;
  std::vector<std::filesystem::path> files;
  std::vector<std::string> assignments;  // "a.b.c=value"
  /// Typed flags, already as (dotted key, JSON value) pairs.
  std::vector<std::pair<std::string, nlohmann::json>> flags;
};

/// Builds, validates and returns the configuration. Throws ConfigError listing every
/// violation with its full key path.
RunConfig load_run_config(const ConfigSources& sources);

/// Strict conversion from a complete or partial JSON document (missing keys keep defaults).
RunConfig run_config_from_json(const nlohmann::json& doc);
nlohmann::json to_json(const RunConfig& config);

}  // namespace astrom3::config

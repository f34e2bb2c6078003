#include "astrom3/config/run_config.h"

#include "astrom3/common/device.h"
#include "astrom3/common/error.h"
#include "astrom3/common/rng.h"
#include "astrom3/config/config_tree.h"
#include "astrom3/data/schema.h"

// Field lists, one per options struct, in the struct's namespace so that FieldReader and
// FieldWriter find them by argument-dependent lookup.
namespace astrom3::config {

template <typename V>
void visit(V& v, RuntimeOptions& o) {
  v.field("device", o.device, matches(is_valid_device_spec, "auto, cpu, cuda or cuda:N"));
  v.field("threads", o.threads, non_negative_int());
  v.field("seed", o.seed, non_negative_int());
  v.field("log_level", o.log_level,
          one_of({"trace", "debug", "info", "warn", "error", "critical", "off"}));
}

}  // namespace astrom3::config

namespace astrom3::data {

template <typename V>
void visit(V& v, DataOptions& o) {
  using namespace astrom3::config;
  v.field("path", o.path, non_empty_string());
  v.field("split_set", o.split_set, non_empty_string());
  v.field("seq_len", o.seq_len, int_in(1, 1 << 20));  // the bound of model max_len
  v.field("min_spectrum_coverage", o.min_spectrum_coverage, real_in(0.0, 1.0));
  v.field("cache_preprocessed", o.cache_preprocessed);
  v.field("pretrain_unlabeled", o.pretrain_unlabeled);
}

template <typename V>
void visit(V& v, LoaderOptions& o) {
  using namespace astrom3::config;
  v.field("batch_size", o.batch_size, positive_int());
  v.field("workers", o.workers, non_negative_int());
  v.field("prefetch", o.prefetch, positive_int());
  v.field("shuffle", o.shuffle);
  v.field("drop_last", o.drop_last);
}

}  // namespace astrom3::data

namespace astrom3::synth {

template <typename V>
void visit(V& v, SynthOptions& o) {
  using namespace astrom3::config;
  v.field("version", o.version, int_in(synth::kFirstSynthVersion, synth::kLatestSynthVersion));
  v.field("objects", o.objects, non_negative_int());
  v.field("seed", o.seed, non_negative_int());
  v.field("unlabeled", o.unlabeled, non_negative_int());
  v.field("class_weights", o.class_weights,
          std::vector<std::string>(data::kClassNames.begin(), data::kClassNames.end()));
  v.field("mislabel_fraction", o.mislabel_fraction, real_in(0.0, 1.0));
  v.field("oddball_fraction", o.oddball_fraction, real_in(0.0, 1.0));
  v.field("oddball_class", o.oddball_class,
          one_of({"DSCT", "EA", "EB", "EW", "HADS", "M", "ROT", "RRAB", "RRC", "SR"}));
  v.field("carbon_mira_fraction", o.carbon_mira_fraction, real_in(0.0, 1.0));
  v.field("unseen", o.unseen, non_negative_int());
  v.field(
      "unseen_class_weights", o.unseen_class_weights,
      std::vector<std::string>(synth::kUnseenClassNames.begin(), synth::kUnseenClassNames.end()));
}

}  // namespace astrom3::synth

namespace astrom3::model {

// Upper bounds of the model's sizes. They are far beyond any useful model (the paper's widths
// are 64-512, 2-8 layers, 200 tokens) and keep a typo such as embedding_dim=1000000000 a
// configuration error naming the key instead of an allocator failure.
constexpr std::int64_t kMaxWidth = 65536;
constexpr std::int64_t kMaxLayers = 256;
constexpr std::int64_t kMaxLength = 1 << 20;

template <typename V>
void visit(V& v, PhotometryEncoderOptions& o) {
  using namespace astrom3::config;
  v.field("input_channels", o.input_channels, positive_int());
  v.field("d_model", o.d_model, int_in(1, kMaxWidth));
  v.field("heads", o.heads, int_in(1, kMaxWidth));
  v.field("d_ff", o.d_ff, int_in(1, kMaxWidth));
  v.field("layers", o.layers, int_in(1, kMaxLayers));
  v.field("activation", o.activation, activation_names());
  v.field("dropout", o.dropout, real_in(0.0, 1.0));
  v.field("embedding_dropout", o.embedding_dropout, real_in(0.0, 1.0));
  v.field("token_padding", o.token_padding, token_padding_names());
  v.field("attention", o.attention, attention_names());
  v.field("probsparse_factor", o.probsparse_factor, positive_int());
  v.field("probsparse_official_layout", o.probsparse_official_layout);
  v.field("pooling", o.pooling, pooling_names());
  v.field("max_len", o.max_len, int_in(1, kMaxLength));
}

template <typename V>
void visit(V& v, SpectraEncoderOptions& o) {
  using namespace astrom3::config;
  v.field("channels", o.channels, int_in(1, kMaxWidth), 2);
  v.field("kernel_size", o.kernel_size, int_in(1, kMaxWidth));
  v.field("pool_size", o.pool_size, int_in(1, kMaxWidth));
  v.field("dropout", o.dropout, real_in(0.0, 1.0));
}

template <typename V>
void visit(V& v, MetadataEncoderOptions& o) {
  using namespace astrom3::config;
  v.field("input_dim", o.input_dim, positive_int());
  v.field("hidden_dim", o.hidden_dim, int_in(1, kMaxWidth));
  v.field("dropout", o.dropout, real_in(0.0, 1.0));
}

template <typename V>
void visit(V& v, ModelOptions& o) {
  using namespace astrom3::config;
  v.field("modalities", o.modalities, one_of({"photometry", "spectra", "metadata"}), 2);
  v.field("embedding_dim", o.embedding_dim, int_in(1, kMaxWidth));
  v.field("logit_scale_clamp", o.logit_scale_clamp, logit_scale_clamp_names());
  v.field("logit_scale_init", o.logit_scale_init, real_in(1.0, 1.0e6));
  v.field("logit_scale_max", o.logit_scale_max, real_in(1.0, 1.0e6));
  v.section("photometry", o.photometry);
  v.section("spectra", o.spectra);
  v.section("metadata", o.metadata);
}

template <typename V>
void visit(V& v, ClassifierOptions& o) {
  using namespace astrom3::config;
  v.field("mode", o.mode, one_of({"photometry", "spectra", "metadata", "all"}));
  v.field("fusion", o.fusion, fusion_names());
  v.field("modality_dropout", o.modality_dropout, real_in(0.0, 0.95));
  v.field("freeze_encoders", o.freeze_encoders);
  v.field("class_weights", o.class_weights, class_weights_names());
  v.field("normalization", o.normalization, normalization_source_names());
  v.field("unknown_score", o.unknown_score, unknown_score_names());
}

}  // namespace astrom3::model

namespace astrom3::train {

template <typename V>
void visit(V& v, TrainOptions& o) {
  using namespace astrom3::config;
  v.field("epochs", o.epochs, positive_int());
  v.field("optimizer", o.optimizer, optimizer_names());
  v.field("lr", o.lr, positive_real());
  v.field("beta1", o.beta1, real_in(0.0, 1.0));
  v.field("beta2", o.beta2, real_in(0.0, 1.0));
  v.field("eps", o.eps, positive_real());
  v.field("weight_decay", o.weight_decay, real_in(0.0, 1.0e3));
  v.field("schedule", o.schedule, schedule_names());
  v.field("warmup_epochs", o.warmup_epochs, non_negative_int());
  v.field("warmup_start_factor", o.warmup_start_factor, real_in(0.0, 1.0));
  v.field("plateau_factor", o.plateau_factor, real_in(0.0, 1.0));
  v.field("plateau_patience", o.plateau_patience, non_negative_int());
  v.field("plateau_threshold", o.plateau_threshold, real_in(0.0, 1.0));
  v.field("min_lr", o.min_lr, real_in(0.0, 1.0e3));
  v.field("clip_grad_norm", o.clip_grad_norm, real_in(0.0, 1.0e12));
  v.field("early_stopping_patience", o.early_stopping_patience, non_negative_int());
  v.field("best_metric", o.best_metric, best_metric_names());
  v.field("log_every_steps", o.log_every_steps, positive_int());
  v.field("keep_checkpoints", o.keep_checkpoints, positive_int());
  v.field("precision", o.precision, precision_names());
  v.field("allow_tf32", o.allow_tf32);
}

}  // namespace astrom3::train

namespace astrom3::dist {

template <typename V>
void visit(V& v, CommOptions& o) {
  using namespace astrom3::config;
  v.field("backend", o.backend, backend_names());
  v.field("timeout_s", o.timeout_s, positive_real());
  v.field("bucket_mb", o.bucket_mb, positive_real());
}

}  // namespace astrom3::dist

namespace astrom3::data {

template <typename V>
void visit(V& v, RandomSplitOptions& o) {
  using namespace astrom3::config;
  v.field("seed", o.seed, non_negative_int());
  v.field("val_fraction", o.val_fraction, real_in(0.0, 1.0));
  v.field("test_fraction", o.test_fraction, real_in(0.0, 1.0));
  v.field("stratified", o.stratified);
}

}  // namespace astrom3::data

namespace astrom3::eval {

template <typename V>
void visit(V& v, SearchOptions& o) {
  using namespace astrom3::config;
  v.field("kind", o.index, index_kind_names());
  v.field("lists", o.ivf.lists, non_negative_int());
  v.field("probes", o.ivf.probes, positive_int());
  v.field("seed", o.ivf.seed, non_negative_int());
}

}  // namespace astrom3::eval

namespace astrom3::config {

// Spaces (photometry, spectra, metadata, fused) are not a closed set here: an embedding file
// names the ones it holds, and reading it refuses any other with the list.
template <typename V>
void visit(V& v, SearchCommandOptions& o) {
  v.field("modality", o.modality, non_empty_string());
  v.field("against", o.against, any_string());
  v.field("contrast", o.contrast, any_string());
  v.field("candidates", o.candidates, candidate_split_names());
  v.field("k", o.k, positive_int());
}

template <typename V>
void visit(V& v, OutliersCommandOptions& o) {
  v.field("modalities", o.modalities, non_empty_string(), 0);
  v.field("percentile", o.percentile, real_in(0.0, 100.0));
  v.field("knn", o.knn, positive_int());
  v.field("show", o.show, non_negative_int());
}

template <typename V>
void visit(V& v, MisclassifiedCommandOptions& o) {
  v.field("modality", o.modality, non_empty_string());  // or "all"
  v.field("k", o.k, positive_int());
  v.field("show", o.show, non_negative_int());
}

template <typename V>
void visit(V& v, MapCommandOptions& o) {
  v.field("modality", o.modality, non_empty_string());
  v.field("cluster_class", o.cluster_class, any_string());
  v.field("clusters", o.clusters, int_in(2, 50));
  v.field("cluster_method", o.cluster_method, eval::cluster_method_names());
  v.field("neighbours", o.neighbours, positive_int());
  v.field("seed", o.seed, non_negative_int());
}

template <typename V>
void visit(V& v, PrepareAstroM3Options& o) {
  v.field("hjd_float32", o.hjd_float32);
  v.field("refit_normalization", o.refit_normalization);
  v.field("allow_incomplete", o.allow_incomplete);
}

template <typename V>
void visit(V& v, PrepareCatalogOptions& o) {
  v.field("band", o.band, any_string());
  v.field("missing_columns", o.missing_columns, non_empty_string(), 0);
  v.field("allow_missing_columns", o.allow_missing_columns);
  v.field("classes", o.classes, non_empty_string(), 0);
  v.section("split", o.split);
}

template <typename V>
void visit(V& v, PrepareOptions& o) {
  v.section("astrom3", o.astrom3);
  v.section("catalog", o.catalog);
}

template <typename V>
void visit(V& v, RunConfig& c) {
  v.section("runtime", c.runtime);
  v.section("data", c.data);
  v.section("loader", c.loader);
  v.section("synth", c.synth);
  v.section("model", c.model);
  v.section("train", c.train);
  v.section("finetune", c.finetune);
  v.section("dist", c.dist);
  v.section("index", c.index);
  v.section("search", c.search);
  v.section("outliers", c.outliers);
  v.section("misclassified", c.misclassified);
  v.section("map", c.map);
  v.section("prepare", c.prepare);
}

nlohmann::json to_json(const RunConfig& config) {
  Json out;
  FieldWriter writer(out);
  visit(writer, const_cast<RunConfig&>(config));
  return out;
}

RunConfig run_config_from_json(const Json& doc) {
  RunConfig config;
  Violations violations;
  {
    FieldReader reader(doc, "", violations);
    visit(reader, config);
  }
  violations.throw_if_any();
  return config;
}

namespace {

// Relations between keys that no single field's check sees; without them a bad combination
// passed --dry-run and failed at the first step with a raw LibTorch error (exit 1).
void check_cross_fields(const RunConfig& c) {
  Violations v;
  const auto& p = c.model.photometry;
  if (p.d_model % p.heads != 0) {
    v.add("model.photometry.heads: " + std::to_string(p.heads) +
          " does not divide model.photometry.d_model (" + std::to_string(p.d_model) + ")");
  }
  if (p.input_channels != data::kPhotometryChannels) {
    v.add("model.photometry.input_channels: must be " + std::to_string(data::kPhotometryChannels) +
          ", the channels of a preprocessed light curve (time, flux, flux_err, 4 catalogue "
          "features, log10 MAD, delta t), got " +
          std::to_string(p.input_channels));
  }
  if (p.attention == model::AttentionKind::kProbSparse && c.data.seq_len < 2) {
    // ProbSparse samples about factor * ln(L) keys: none for a single token.
    v.add(
        "data.seq_len: probsparse attention (model.photometry.attention) needs at least 2 "
        "tokens, got " +
        std::to_string(c.data.seq_len) + "; use more or set the attention to full");
  }
  if (c.model.metadata.input_dim != data::kNumMetaCols) {
    v.add("model.metadata.input_dim: must be " + std::to_string(data::kNumMetaCols) +
          ", the catalogue columns of a survey file (docs/data-format.md), got " +
          std::to_string(c.model.metadata.input_dim));
  }
  if (!c.model.spectra.channels.empty() &&
      c.model.spectra.channels.front() != data::kSpectrumChannels) {
    v.add("model.spectra.channels[0]: must be " + std::to_string(data::kSpectrumChannels) +
          ", the channels of a preprocessed spectrum (scaled flux, scaled inverse variance, log10 "
          "scale), got " +
          std::to_string(c.model.spectra.channels.front()));
  }
  const auto& split = c.prepare.catalog.split;
  if (split.val_fraction + split.test_fraction > 1.0) {
    v.add("prepare.catalog.split.test_fraction: with prepare.catalog.split.val_fraction (" +
          std::to_string(split.val_fraction) + ") the held-out fractions exceed 1 (" +
          std::to_string(split.val_fraction + split.test_fraction) + ")");
  }
  v.throw_if_any();
}

}  // namespace

RunConfig load_run_config(const ConfigSources& sources) {
  Json doc = to_json(RunConfig{});
  if (!sources.base.is_null()) merge(doc, to_json(run_config_from_json(sources.base)));
  // Reject unknown keys per file before merging, so the message names the file.
  for (const auto& file : sources.files) {
    const Json overlay = parse_json_file(file);
    try {
      run_config_from_json(overlay);
    } catch (const ConfigError& e) {
      throw ConfigError(file.string() + ":\n" + e.what());
    }
    merge(doc, overlay);
  }
  for (const auto& a : sources.assignments) apply_assignment(doc, a);
  for (const auto& [key, value] : sources.flags) {
    apply_assignment(doc, key + "=" + value.dump());
  }
  auto config = run_config_from_json(doc);
  check_cross_fields(config);
  return config;
}

}  // namespace astrom3::config

namespace astrom3::config {

model::ModelOptions resolved_model_options(const RunConfig& config) {
  model::ModelOptions m = config.model;
  m.seq_len = config.data.seq_len;
  m.spectrum_length = data::kSpectrumGridSize;
  m.sampling_seed = derive_seed(config.runtime.seed, {0x50524f42ULL});  // "PROB"
  return m;
}

nlohmann::json model_options_to_json(const model::ModelOptions& options) {
  Json out;
  FieldWriter writer(out);
  visit(writer, const_cast<model::ModelOptions&>(options));
  out["seq_len"] = options.seq_len;
  out["spectrum_length"] = options.spectrum_length;
  out["sampling_seed"] = options.sampling_seed;
  return out;
}

model::ModelOptions model_options_from_json(const nlohmann::json& doc) {
  model::ModelOptions options;
  Json fields = doc;
  for (const char* key : {"seq_len", "spectrum_length", "sampling_seed"}) {
    if (!doc.contains(key)) throw ConfigError("model options lack \"" + std::string(key) + "\"");
    fields.erase(key);
  }
  Violations violations;
  {
    FieldReader reader(fields, "model", violations);
    visit(reader, options);
  }
  violations.throw_if_any();
  options.seq_len = doc["seq_len"].get<std::int64_t>();
  options.spectrum_length = doc["spectrum_length"].get<std::int64_t>();
  options.sampling_seed = doc["sampling_seed"].get<std::uint64_t>();
  return options;
}

}  // namespace astrom3::config

#include "astrom3/config/run_config.h"

#include "astrom3/common/device.h"
#include "astrom3/common/error.h"
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
  v.field("seq_len", o.seq_len, positive_int());
  v.field("min_spectrum_coverage", o.min_spectrum_coverage, real_in(0.0, 1.0));
  v.field("cache_preprocessed", o.cache_preprocessed);
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
  v.field("objects", o.objects, non_negative_int());
  v.field("seed", o.seed, non_negative_int());
  v.field("unlabeled", o.unlabeled, non_negative_int());
  v.field("class_weights", o.class_weights,
          std::vector<std::string>(data::kClassNames.begin(), data::kClassNames.end()));
}

}  // namespace astrom3::synth

namespace astrom3::config {

template <typename V>
void visit(V& v, RunConfig& c) {
  v.section("runtime", c.runtime);
  v.section("data", c.data);
  v.section("loader", c.loader);
  v.section("synth", c.synth);
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

RunConfig load_run_config(const ConfigSources& sources) {
  Json doc = to_json(RunConfig{});
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
  return run_config_from_json(doc);
}

}  // namespace astrom3::config

#include "cli/index_flags.h"

#include "cli/validators.h"

namespace astrom3::cli {

void add_index_flags(CLI::App* cmd, IndexFlags& flags) {
  cmd->add_option("--index", flags.index,
                  "neighbour search: exact (all pairs, the default) or ivf (approximate "
                  "inverted-file index, for 10^6 objects and more)")
      ->check(CLI::IsMember({"exact", "ivf"}));
  cmd->add_option("--lists", flags.lists, "ivf: cells of the index (default: sqrt(objects))")
      ->check(non_negative());
  cmd->add_option("--probes", flags.probes,
                  "ivf: cells searched per query; more is slower and closer to exact")
      ->check(positive());
  cmd->add_option("--index-seed", flags.seed, "ivf: seed of the index's k-means");
}

eval::SearchOptions search_options(const IndexFlags& flags) {
  eval::SearchOptions out;
  out.index = eval::parse_index_kind(flags.index);
  out.ivf.lists = flags.lists;
  out.ivf.probes = flags.probes;
  out.ivf.seed = flags.seed;
  return out;
}

}  // namespace astrom3::cli

#include "cli/index_flags.h"

#include "cli/validators.h"

namespace astrom3::cli {

void add_index_flags(CLI::App* cmd, IndexFlags& flags) {
  cmd->add_option("--index", flags.kind,
                  "neighbour search: exact (all pairs, the default) or ivf (approximate "
                  "inverted-file index, for 10^6 objects and more) (index.kind)")
      ->check(CLI::IsMember({"exact", "ivf"}));
  cmd->add_option("--lists", flags.lists,
                  "ivf: cells of the index (default: sqrt(objects)) (index.lists)")
      ->check(non_negative());
  cmd->add_option("--probes", flags.probes,
                  "ivf: cells searched per query; more is slower and closer to exact "
                  "(index.probes)")
      ->check(positive());
  cmd->add_option("--index-seed", flags.seed, "ivf: seed of the index's k-means (index.seed)");
}

void add_typed(TypedFlags& typed, const IndexFlags& flags) {
  add_typed(typed, "index.kind", flags.kind);
  add_typed(typed, "index.lists", flags.lists);
  add_typed(typed, "index.probes", flags.probes);
  add_typed(typed, "index.seed", flags.seed);
}

}  // namespace astrom3::cli

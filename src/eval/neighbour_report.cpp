#include "astrom3/eval/neighbour_report.h"

#include <torch/torch.h>

#include <cmath>
#include <numeric>

#include "astrom3/common/atomic_file.h"
#include "astrom3/ingest/text_table.h"
#include "data/hdf5_file.h"

namespace astrom3::eval {

void write_neighbours_csv(std::ostream& out, const EmbeddingTable& table,
                          const NeighbourReport& r) {
  const bool contrast = r.contrast_similarity.defined();
  out << "query_id,query_label,query_split,rank,neighbour_id,neighbour_label,neighbour_split,"
         "similarity"
      << (contrast ? ",contrast_similarity" : "") << "\n";
  const auto idx = r.neighbours.index.contiguous();
  const auto sim = r.neighbours.similarity.contiguous();
  const auto k = idx.size(1);
  const auto* pi = idx.data_ptr<std::int64_t>();
  const auto* ps = sim.data_ptr<float>();
  const auto contrast_values = contrast ? r.contrast_similarity.contiguous() : torch::Tensor();
  const float* pc = contrast ? contrast_values.data_ptr<float>() : nullptr;
  char buf[32];
  for (std::size_t q = 0; q < r.query_rows.size(); ++q) {
    const auto qrow = r.query_rows[q];
    std::vector<std::int64_t> order(static_cast<std::size_t>(k));
    std::iota(order.begin(), order.end(), 0);
    if (contrast) {
      // Least alike in the contrast space first; NaN (no such modality) last.
      std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
        const float x = pc[q * k + a], y = pc[q * k + b];
        if (std::isnan(x) || std::isnan(y)) return !std::isnan(x) && std::isnan(y);
        return x < y;
      });
    }
    for (auto j : order) {
      const auto n = pi[q * k + j];
      if (n < 0) continue;
      out << ingest::csv_field(table.ids[qrow]) << ',' << table.label_name(qrow) << ','
          << table.split[qrow] << ',' << (j + 1) << ',' << ingest::csv_field(table.ids[n]) << ','
          << table.label_name(n) << ',' << table.split[n] << ',';
      std::snprintf(buf, sizeof buf, "%.6f", ps[q * k + j]);
      out << buf;
      if (contrast) {
        const float c = pc[q * k + j];
        if (std::isnan(c)) {
          out << ',';
        } else {
          std::snprintf(buf, sizeof buf, ",%.6f", c);
          out << buf;
        }
      }
      out << "\n";
    }
  }
}

void write_neighbours_h5(const std::filesystem::path& path, const EmbeddingTable& table,
                         const NeighbourReport& r) {
  AtomicOutput output(path);
  {
    std::lock_guard<std::mutex> lock(data::h5::hdf5_mutex());
    auto f = data::h5::Location::create_file(output.temp_path().string());
    const auto q = static_cast<std::uint64_t>(r.neighbours.index.size(0));
    const auto k = static_cast<std::uint64_t>(r.neighbours.index.size(1));
    f.set_attr("format", "astrom3-neighbours");
    f.set_attr("format_version", std::int64_t{1});
    f.set_attr("embeddings", table.path);
    f.set_attr("modality", r.modality);
    f.set_attr("against", r.against);
    f.set_attr("contrast", r.contrast);
    f.set_attr("k", static_cast<std::int64_t>(k));
    f.write("ids", table.ids);
    f.write("query_rows", r.query_rows);
    const auto idx = r.neighbours.index.contiguous();
    f.write("neighbour_rows",
            std::vector<std::int64_t>(idx.data_ptr<std::int64_t>(),
                                      idx.data_ptr<std::int64_t>() + idx.numel()),
            {q, k});
    const auto sim = r.neighbours.similarity.contiguous();
    f.write("similarity",
            std::vector<float>(sim.data_ptr<float>(), sim.data_ptr<float>() + sim.numel()), {q, k});
    if (r.contrast_similarity.defined()) {
      const auto c = r.contrast_similarity.contiguous();
      f.write("contrast_similarity",
              std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel()), {q, k});
    }
  }
  output.commit();
}

}  // namespace astrom3::eval

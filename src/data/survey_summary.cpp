#include "astrom3/data/survey_summary.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <iomanip>
#include <mutex>
#include <sstream>
#include <thread>

#include "astrom3/data/lightcurve_preprocess.h"
#include "astrom3/data/schema.h"
#include "astrom3/data/spectrum_preprocess.h"

namespace astrom3::data {
namespace {

using Json = nlohmann::json;

Json distribution(std::vector<double> v) {
  if (v.empty()) return Json{{"count", 0}};
  std::sort(v.begin(), v.end());
  auto q = [&](double p) { return v[static_cast<std::size_t>(p * (v.size() - 1) + 0.5)]; };
  double sum = 0.0;
  for (double x : v) sum += x;
  return Json{{"count", v.size()},      {"min", v.front()}, {"p05", q(0.05)}, {"median", q(0.5)},
              {"mean", sum / v.size()}, {"p95", q(0.95)},   {"max", v.back()}};
}

Json class_counts(const Survey& s, const std::vector<std::int64_t>& rows) {
  Json out = Json::object();
  for (const auto& name : s.class_names) out[name] = 0;
  std::int64_t unlabeled = 0;
  for (auto r : rows) {
    if (s.labels[r] >= 0) {
      out[s.class_names[s.labels[r]]] = out[s.class_names[s.labels[r]]].get<std::int64_t>() + 1;
    } else {
      ++unlabeled;
    }
  }
  if (unlabeled) out["(unlabeled)"] = unlabeled;
  return out;
}

}  // namespace

Json summarize_survey(const Survey& s, const SummaryOptions& options) {
  const auto n = s.size();
  Json out;
  out["objects"] = n;
  out["labelled"] = std::count_if(s.labels.begin(), s.labels.end(), [](int l) { return l >= 0; });
  out["class_names"] = s.class_names;
  out["provenance"] = s.provenance;
  std::vector<std::int64_t> all(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) all[i] = i;
  out["classes"] = class_counts(s, all);

  // Coverage: stored presence, and what preprocessing would reject (run on every object).
  std::atomic<std::int64_t> lc_rejected{0}, spec_rejected{0};
  std::vector<double> epochs, unique_epochs, span_years, pixels;
  std::vector<std::string> reasons(2);
  std::mutex m;
  const int workers = std::max(1, options.threads);
  std::vector<std::thread> pool;
  for (int w = 0; w < workers; ++w) {
    pool.emplace_back([&, w] {
      std::vector<double> e, ue, sp, px;
      for (std::int64_t i = w; i < n; i += workers) {
        if (s.photometry.present[i]) {
          const auto o = s.photometry.offsets[i];
          const auto lc = prepare_lightcurve(&s.photometry.time[o], &s.photometry.flux[o],
                                             &s.photometry.flux_err[o], s.epochs(i));
          e.push_back(static_cast<double>(s.epochs(i)));
          if (lc.valid()) {
            ue.push_back(static_cast<double>(lc.size()));
            sp.push_back(lc.delta_t_years);
          } else {
            ++lc_rejected;
            std::lock_guard<std::mutex> lock(m);
            if (reasons[0].empty()) reasons[0] = s.ids[i] + ": " + lc.rejection;
          }
        }
        if (s.spectra.present[i]) {
          const auto o = s.spectra.offsets[i];
          px.push_back(static_cast<double>(s.spectrum_pixels(i)));
          const auto sp_ =
              prepare_spectrum(&s.spectra.wavelength[o], &s.spectra.flux[o], &s.spectra.ivar[o],
                               s.spectrum_pixels(i), options.min_spectrum_coverage);
          if (!sp_.valid()) {
            ++spec_rejected;
            std::lock_guard<std::mutex> lock(m);
            if (reasons[1].empty()) reasons[1] = s.ids[i] + ": " + sp_.rejection;
          }
        }
      }
      std::lock_guard<std::mutex> lock(m);
      epochs.insert(epochs.end(), e.begin(), e.end());
      unique_epochs.insert(unique_epochs.end(), ue.begin(), ue.end());
      span_years.insert(span_years.end(), sp.begin(), sp.end());
      pixels.insert(pixels.end(), px.begin(), px.end());
    });
  }
  for (auto& t : pool) t.join();

  auto count = [](const std::vector<std::uint8_t>& v) {
    return std::count(v.begin(), v.end(), std::uint8_t{1});
  };
  out["coverage"] = {{"photometry",
                      {{"present", count(s.photometry.present)},
                       {"rejected_by_preprocessing", lc_rejected.load()},
                       {"first_rejection", reasons[0]}}},
                     {"spectra",
                      {{"present", count(s.spectra.present)},
                       {"rejected_by_preprocessing", spec_rejected.load()},
                       {"first_rejection", reasons[1]}}},
                     {"metadata", {{"present", count(s.metadata.present)}}}};
  out["lightcurves"] = {{"epochs", distribution(epochs)},
                        {"unique_finite_epochs", distribution(unique_epochs)},
                        {"span_years", distribution(span_years)}};
  out["spectra"] = {{"pixels", distribution(pixels)}};

  Json sets = Json::object();
  const auto columns = normalization_columns();
  for (const auto& [name, set] : s.split_sets) {
    Json norm = Json::array();  // in normalization-column order
    for (std::size_t c = 0; c < columns.size() && c < set.normalization.mean.size(); ++c) {
      norm.push_back({{"column", columns[c]},
                      {"mean", set.normalization.mean[c]},
                      {"std", set.normalization.std[c]}});
    }
    sets[name] = {{"subset", set.subset},
                  {"seed", set.seed},
                  {"train", class_counts(s, set.train)},
                  {"val", class_counts(s, set.val)},
                  {"test", class_counts(s, set.test)},
                  {"sizes",
                   {{"train", set.train.size()},
                    {"val", set.val.size()},
                    {"test", set.test.size()},
                    {"unlabeled", set.unlabeled.size()},
                    {"unseen", set.unseen.size()}}},
                  {"normalization", norm}};
  }
  out["split_sets"] = sets;
  return out;
}

std::string format_summary(const Json& j) {
  std::ostringstream o;
  o << std::fixed;
  o << "objects: " << j["objects"].get<std::int64_t>() << " (" << j["labelled"].get<std::int64_t>()
    << " labelled)\n";
  for (const auto& [k, v] : j["provenance"].items()) {
    if (k != "config") o << "  " << k << ": " << v.get<std::string>() << "\n";
  }
  o << "\nclass counts\n";
  for (const auto& [k, v] : j["classes"].items()) {
    o << "  " << std::left << std::setw(12) << k << std::right << std::setw(8) << v.get<int>()
      << "\n";
  }
  o << "\nmodality coverage\n";
  for (const char* m : {"photometry", "spectra", "metadata"}) {
    const auto& c = j["coverage"][m];
    o << "  " << std::left << std::setw(12) << m << std::right << std::setw(8)
      << c["present"].get<std::int64_t>() << " present";
    if (c.contains("rejected_by_preprocessing")) {
      o << ", " << c["rejected_by_preprocessing"].get<std::int64_t>()
        << " rejected by preprocessing";
      if (!c["first_rejection"].get<std::string>().empty()) {
        o << " (e.g. " << c["first_rejection"].get<std::string>() << ")";
      }
    }
    o << "\n";
  }
  auto dist = [&](const char* label, const Json& d) {
    o << "  " << std::left << std::setw(22) << label << std::right;
    if (d["count"].get<std::int64_t>() == 0) {
      o << " (none)\n";
      return;
    }
    o << std::setprecision(1) << " min " << d["min"].get<double>() << "  p05 "
      << d["p05"].get<double>() << "  median " << d["median"].get<double>() << "  mean "
      << d["mean"].get<double>() << "  p95 " << d["p95"].get<double>() << "  max "
      << d["max"].get<double>() << "\n";
  };
  o << "\nlight curves\n";
  dist("epochs", j["lightcurves"]["epochs"]);
  dist("unique finite epochs", j["lightcurves"]["unique_finite_epochs"]);
  dist("span [years]", j["lightcurves"]["span_years"]);
  o << "\nspectra\n";
  dist("pixels", j["spectra"]["pixels"]);

  o << "\nsplit sets (train / val / test / unlabelled)\n";
  for (const auto& [name, set] : j["split_sets"].items()) {
    const auto& sz = set["sizes"];
    o << "  " << std::left << std::setw(10) << name << std::right << std::setw(7)
      << sz["train"].get<std::int64_t>() << std::setw(7) << sz["val"].get<std::int64_t>()
      << std::setw(7) << sz["test"].get<std::int64_t>() << std::setw(7)
      << sz["unlabeled"].get<std::int64_t>();
    if (sz["unseen"].get<std::int64_t>() > 0)
      o << " +" << sz["unseen"].get<std::int64_t>() << " unseen";
    o << "   train per class:";
    for (const auto& [k, v] : set["train"].items()) o << " " << k << "=" << v.get<std::int64_t>();
    o << "\n";
  }
  if (j["split_sets"].contains("full_42")) {
    o << "\nnormalization statistics of full_42 (train split, after the catalogue transform)\n";
    for (const auto& v : j["split_sets"]["full_42"]["normalization"]) {
      o << "  " << std::left << std::setw(22) << v["column"].get<std::string>() << std::right
        << std::setprecision(4) << " mean " << std::setw(11) << v["mean"].get<double>() << "  std "
        << std::setw(10) << v["std"].get<double>() << "\n";
    }
  }
  return o.str();
}

}  // namespace astrom3::data

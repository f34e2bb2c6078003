#include "astrom3/data/survey_validation.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <unordered_set>

#include "astrom3/data/schema.h"

namespace astrom3::data {
namespace {

class Collector {
 public:
  Collector(const Survey& s, std::size_t limit) : s_(s), limit_(limit) {}
  bool full() const { return out.size() >= limit_; }
  void add(std::string group, std::int64_t row, std::string field, std::string message) {
    if (full()) return;
    const std::string id =
        row >= 0 && row < static_cast<std::int64_t>(s_.ids.size()) ? s_.ids[row] : "";
    out.push_back({std::move(group), id, std::move(field), std::move(message)});
  }
  std::vector<Violation> out;

 private:
  const Survey& s_;
  std::size_t limit_;
};

// Offsets start at 0, never decrease, stay within the stored values, and give a non-empty
// range exactly to present objects. `unit` names one value in messages ("epoch", "pixel").
void check_offsets(Collector& c, const std::string& group, const std::vector<std::int64_t>& off,
                   std::size_t values, const std::vector<std::uint8_t>& present,
                   const std::string& unit) {
  if (off.empty() || off.front() != 0) {
    c.add(group, -1, "offsets", "offsets[0] must be 0");
    return;
  }
  for (std::size_t i = 0; i + 1 < off.size() && !c.full(); ++i) {
    if (i < present.size() && present[i] > 1) {
      c.add(group, static_cast<std::int64_t>(i), "present",
            "must be 0 or 1, got " + std::to_string(present[i]));
    }
    if (off[i + 1] < off[i]) {
      c.add(group, static_cast<std::int64_t>(i), "offsets", "offsets decrease");
    } else if (off[i + 1] > static_cast<std::int64_t>(values)) {
      c.add(group, static_cast<std::int64_t>(i), "offsets",
            "offset " + std::to_string(off[i + 1]) + " beyond the " + std::to_string(values) +
                " stored values");
      return;
    } else if (!present[i] && off[i + 1] != off[i]) {
      c.add(group, static_cast<std::int64_t>(i), "present",
            "marked absent but has " + std::to_string(off[i + 1] - off[i]) + " values");
    } else if (present[i] && off[i + 1] == off[i]) {
      c.add(group, static_cast<std::int64_t>(i), "offsets", "present but has no " + unit);
    }
  }
  if (!c.full() && off.back() != static_cast<std::int64_t>(values)) {
    c.add(group, -1, "offsets",
          "last offset " + std::to_string(off.back()) + " != number of values " +
              std::to_string(values));
  }
}

// Every value finite and, with `non_negative` (uncertainties, inverse variances), >= 0.
template <typename T>
void check_ragged_values(Collector& c, const std::string& group, const std::string& field,
                         const std::vector<T>& v, const std::vector<std::int64_t>& off,
                         bool non_negative = false) {
  const auto size = static_cast<std::int64_t>(v.size());
  if (off.empty() || off.back() != size) return;
  for (std::size_t i = 0; i + 1 < off.size() && !c.full(); ++i) {
    // An object whose range leaves the stored values is reported by check_offsets; reading
    // along it would run off the vector.
    if (off[i] < 0 || off[i] > off[i + 1] || off[i + 1] > size) continue;
    for (auto k = off[i]; k < off[i + 1]; ++k) {
      const bool infinite = !std::isfinite(v[k]);
      if (infinite || (non_negative && v[k] < 0)) {
        std::ostringstream m;
        m << (infinite ? "non-finite value " : "negative value ") << v[k] << " at element "
          << (k - off[i]);
        c.add(group, static_cast<std::int64_t>(i), field, m.str());
        break;
      }
    }
  }
}

// Finite times can span more than a double holds (1e308 and -1e308): every feature derived
// from the span, and then the predictions, would be NaN.
void check_time_spans(Collector& c, const std::vector<double>& time,
                      const std::vector<std::int64_t>& off) {
  const auto size = static_cast<std::int64_t>(time.size());
  if (off.empty() || off.back() != size) return;
  for (std::size_t i = 0; i + 1 < off.size() && !c.full(); ++i) {
    if (off[i] < 0 || off[i] >= off[i + 1] || off[i + 1] > size) continue;
    const auto [lo, hi] = std::minmax_element(time.begin() + off[i], time.begin() + off[i + 1]);
    if (std::isfinite(*lo) && std::isfinite(*hi) && !std::isfinite(*hi - *lo)) {
      c.add("/photometry", static_cast<std::int64_t>(i), "time", "the time span overflows");
    }
  }
}

void check_rows(Collector& c, const std::string& group, const std::string& field,
                const std::vector<std::int64_t>& rows, std::int64_t n,
                std::unordered_set<std::int64_t>& seen) {
  for (auto r : rows) {
    if (c.full()) return;
    if (r < 0 || r >= n) {
      c.add(group, -1, field,
            "row index " + std::to_string(r) + " out of range [0, " + std::to_string(n) + ")");
    } else if (!seen.insert(r).second) {
      c.add(group, r, field, "object appears in more than one split (or twice)");
    }
  }
}

}  // namespace

std::vector<Violation> validate_survey(const Survey& s, std::size_t limit) {
  Collector c(s, limit);
  const auto n = s.size();
  const auto nclass = static_cast<std::int32_t>(s.class_names.size());

  // A repeated class name makes two labels mean one class.
  std::unordered_set<std::string> names;
  for (const auto& name : s.class_names) {
    if (name.empty()) c.add("/", -1, "class_names", "empty class name");
    if (!names.insert(name).second) {
      c.add("/", -1, "class_names", "class '" + name + "' appears twice");
    }
  }

  std::unordered_set<std::string> ids;
  for (std::int64_t i = 0; i < n && !c.full(); ++i) {
    if (s.ids[i].empty()) c.add("/objects", i, "id", "empty id");
    if (!ids.insert(s.ids[i]).second) c.add("/objects", i, "id", "duplicate id");
    if (s.labels[i] < -1 || s.labels[i] >= nclass) {
      c.add("/objects", i, "label",
            "label " + std::to_string(s.labels[i]) + " outside -1.." + std::to_string(nclass - 1));
    }
  }

  const auto& p = s.photometry;
  check_offsets(c, "/photometry", p.offsets, p.time.size(), p.present, "epoch");
  check_ragged_values(c, "/photometry", "time", p.time, p.offsets);
  check_time_spans(c, p.time, p.offsets);
  check_ragged_values(c, "/photometry", "flux", p.flux, p.offsets);
  check_ragged_values(c, "/photometry", "flux_err", p.flux_err, p.offsets, /*non_negative=*/true);
  for (std::int64_t i = 0; i < n && !c.full(); ++i) {
    for (int k = 0; k < kNumPhotoCols; ++k) {
      // NaN marks a missing catalogue value (imputed at normalization); infinities are errors.
      if (p.present[i] && std::isinf(s.photo_features(i)[k])) {
        c.add("/photometry", i, "features",
              std::string(kPhotoCols[k]) + " is not finite (infinite; a missing value is NaN)");
      }
    }
  }

  const auto& sp = s.spectra;
  check_offsets(c, "/spectra", sp.offsets, sp.wavelength.size(), sp.present, "pixel");
  check_ragged_values(c, "/spectra", "wavelength", sp.wavelength, sp.offsets);
  check_ragged_values(c, "/spectra", "flux", sp.flux, sp.offsets);
  check_ragged_values(c, "/spectra", "ivar", sp.ivar, sp.offsets, /*non_negative=*/true);

  for (std::int64_t i = 0; i < n && !c.full(); ++i) {
    if (s.metadata.present[i] > 1) {
      c.add("/metadata", i, "present",
            "must be 0 or 1, got " + std::to_string(s.metadata.present[i]));
    }
    if (!s.metadata.present[i]) continue;
    for (int k = 0; k < kNumMetaCols; ++k) {
      if (std::isinf(s.meta_values(i)[k])) {
        c.add("/metadata", i, "values",
              std::string(kMetaCols[k]) + " is not finite (infinite; a missing value is NaN)");
        break;
      }
    }
  }

  for (const auto& [name, set] : s.split_sets) {
    const std::string g = "/splits/" + name;
    std::unordered_set<std::int64_t> seen;
    check_rows(c, g, "train", set.train, n, seen);
    check_rows(c, g, "val", set.val, n, seen);
    check_rows(c, g, "test", set.test, n, seen);
    check_rows(c, g, "unlabeled", set.unlabeled, n, seen);
    check_rows(c, g, "unseen", set.unseen, n, seen);
    for (auto r : set.unseen) {
      if (r >= 0 && r < n && s.labels[r] >= 0 && !c.full()) {
        c.add(g, r, "unseen", "an unseen-class object has a label of the vocabulary");
      }
    }
    for (const auto* rows : {&set.train, &set.val, &set.test}) {
      for (auto r : *rows) {
        if (r >= 0 && r < n && s.labels[r] < 0 && !c.full()) {
          c.add(g, r, "train/val/test", "unlabelled object in a labelled split");
        }
      }
    }
    const auto& st = set.normalization;
    for (std::size_t k = 0; k < st.mean.size() && !c.full(); ++k) {
      if (!std::isfinite(st.mean[k]) || !std::isfinite(st.std[k]) || !(st.std[k] > 0)) {
        c.add(g + "/normalization", -1, "mean/std",
              "column " + std::to_string(k) + " has a non-finite mean or a std <= 0");
      }
    }
  }
  return c.out;
}

std::string format_violations(const std::string& file, const std::vector<Violation>& v) {
  std::ostringstream out;
  out << file << ": " << v.size() << (v.size() >= 50 ? "+" : "") << " violation(s) of the "
      << "astrom3 survey schema:";
  for (std::size_t i = 0; i < v.size() && i < 10; ++i) {
    out << "\n  " << v[i].group;
    if (!v[i].object_id.empty()) out << " object " << v[i].object_id;
    out << " field " << v[i].field << ": " << v[i].message;
  }
  if (v.size() > 10) out << "\n  ... and " << (v.size() - 10) << " more";
  return out.str();
}

}  // namespace astrom3::data

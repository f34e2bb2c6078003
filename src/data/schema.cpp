#include "astrom3/data/schema.h"

#include <cstring>

namespace astrom3::data {

const std::array<const char*, kNumMetaCols> kMetaCols = {"mean_vmag",
                                                         "phot_g_mean_mag",
                                                         "e_phot_g_mean_mag",
                                                         "phot_bp_mean_mag",
                                                         "e_phot_bp_mean_mag",
                                                         "phot_rp_mean_mag",
                                                         "e_phot_rp_mean_mag",
                                                         "bp_rp",
                                                         "parallax",
                                                         "parallax_error",
                                                         "parallax_over_error",
                                                         "pmra",
                                                         "pmra_error",
                                                         "pmdec",
                                                         "pmdec_error",
                                                         "j_mag",
                                                         "e_j_mag",
                                                         "h_mag",
                                                         "e_h_mag",
                                                         "k_mag",
                                                         "e_k_mag",
                                                         "w1_mag",
                                                         "e_w1_mag",
                                                         "w2_mag",
                                                         "e_w2_mag",
                                                         "w3_mag",
                                                         "w4_mag",
                                                         "j_k",
                                                         "w1_w2",
                                                         "w3_w4",
                                                         "pm",
                                                         "ruwe",
                                                         "l",
                                                         "b"};

const std::array<const char*, kNumPhotoCols> kPhotoCols = {"amplitude", "period", "lksl_statistic",
                                                           "rfr_score"};

std::vector<std::string> normalization_columns() {
  std::vector<std::string> cols(kPhotoCols.begin(), kPhotoCols.end());
  cols.insert(cols.end(), kMetaCols.begin(), kMetaCols.end());
  return cols;
}

int meta_col_index(const std::string& name) {
  for (int i = 0; i < kNumMetaCols; ++i) {
    if (name == kMetaCols[i]) return i;
  }
  return -1;
}

int class_index(const std::string& name) {
  for (int i = 0; i < kNumClasses; ++i) {
    if (name == kClassNames[i]) return i;
  }
  return -1;
}

std::string split_set_name(const std::string& subset, int seed) {
  return subset + "_" + std::to_string(seed);
}

}  // namespace astrom3::data

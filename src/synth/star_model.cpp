#include "astrom3/synth/star_model.h"
#include "astrom3/common/math_constants.h"
#include "astrom3/synth/star_model_v2.h"
#include "astrom3/synth/stellar_tables.h"

#include <algorithm>
#include <cmath>

namespace astrom3::synth {
namespace {

using namespace star_class;

double clamp(double x, double lo, double hi) {
  return std::min(hi, std::max(lo, x));
}

// Version 1's class priors: period, amplitude, temperature, luminosity, population.
void draw_class_v1(Star& s, Rng& rng, double carbon_mira_fraction) {
  switch (s.label) {
    case DSCT:
      s.period_days = bounded_lognormal(rng, 0.08, 0.5, 0.02, 0.2);
      s.amplitude_mag = log_uniform(rng, 0.02, 0.15);
      s.teff = rng.uniform(6900, 8600);
      s.abs_mag_v = rng.uniform(1.8, 3.0);
      break;
    case HADS:
      s.period_days = bounded_lognormal(rng, 0.1, 0.4, 0.04, 0.2);
      s.amplitude_mag = log_uniform(rng, 0.18, 0.8);
      s.teff = rng.uniform(6900, 8300);
      s.abs_mag_v = rng.uniform(1.0, 2.5);
      break;
    case EA:
      s.period_days = bounded_lognormal(rng, 2.5, 0.8, 0.5, 20.0);
      s.amplitude_mag = log_uniform(rng, 0.1, 1.5);
      s.teff = log_uniform(rng, 5000, 10000);
      s.abs_mag_v = main_sequence_abs_mag(s.teff) - 0.6 + rng.normal(0, 0.4);
      break;
    case EB:
      s.period_days = bounded_lognormal(rng, 0.6, 0.6, 0.3, 3.0);
      s.amplitude_mag = rng.uniform(0.2, 0.8);
      s.teff = rng.uniform(5500, 9000);
      s.abs_mag_v = main_sequence_abs_mag(s.teff) - 0.6 + rng.normal(0, 0.5);
      break;
    case EW:
      s.period_days = bounded_lognormal(rng, 0.37, 0.25, 0.22, 0.6);
      s.amplitude_mag = rng.uniform(0.2, 0.7);
      s.teff = rng.uniform(5200, 6800);
      s.abs_mag_v = main_sequence_abs_mag(s.teff) - 0.75 + rng.normal(0, 0.3);
      break;
    case M:
      s.period_days = bounded_lognormal(rng, 300, 0.35, 100, 600);
      s.amplitude_mag = rng.uniform(2.5, 7.0);
      s.teff = rng.uniform(2400, 3300);
      s.abs_mag_v = rng.uniform(-3.0, -0.5);
      s.giant = true;
      s.carbon = rng.bernoulli(carbon_mira_fraction);
      s.dust = rng.uniform(0.5, 3.0);
      break;
    case ROT:
      draw_rotator(s, rng,
                   {0.3, 15, 0.4, 5, 30, 4200, 5100, 0.0, 1.8, 4, 0.9, 0.5, 30, 3800, 6000, 0.3});
      break;
    case RRAB:
      s.period_days = bounded_lognormal(rng, 0.57, 0.15, 0.42, 0.9);
      s.amplitude_mag = rng.uniform(0.5, 1.2);
      s.teff = rng.uniform(6100, 6900);
      s.abs_mag_v = rng.normal(0.6, 0.15);
      s.metallicity = rng.normal(-1.5, 0.4);
      s.population = rng.bernoulli(0.7) ? Population::kHalo : Population::kThinDisk;
      break;
    case RRC:
      s.period_days = bounded_lognormal(rng, 0.32, 0.15, 0.22, 0.45);
      s.amplitude_mag = rng.uniform(0.2, 0.5);
      s.teff = rng.uniform(7000, 7600);
      s.abs_mag_v = rng.normal(0.55, 0.15);
      s.metallicity = rng.normal(-1.5, 0.4);
      s.population = rng.bernoulli(0.7) ? Population::kHalo : Population::kThinDisk;
      break;
    // Unseen classes (kUnseenClassNames): never labelled, planted for open-set evaluation.
    case DCEP:  // classical Cepheid: young F-G supergiant on the period-luminosity relation
      s.period_days = bounded_lognormal(rng, 6.0, 0.6, 1.5, 60.0);
      s.amplitude_mag = rng.uniform(0.3, 1.1);
      s.teff = 6300.0 - 500.0 * std::log10(s.period_days) + rng.normal(0, 150);
      s.abs_mag_v = -2.43 * (std::log10(s.period_days) - 1.0) - 4.05 + rng.normal(0, 0.2);
      s.giant = true;
      break;
    case T2CEP:  // type II Cepheid (BL Her, W Vir): old, metal-poor, fainter than a DCEP
      s.period_days = bounded_lognormal(rng, 5.0, 0.7, 1.0, 40.0);
      s.amplitude_mag = rng.uniform(0.3, 0.9);
      s.teff = rng.uniform(5200, 6500);
      s.abs_mag_v = -0.9 - 1.6 * std::log10(s.period_days) + rng.normal(0, 0.25);
      s.metallicity = rng.normal(-1.4, 0.4);
      s.population = rng.bernoulli(0.8) ? Population::kHalo : Population::kThinDisk;
      s.giant = true;
      break;
    case LSP:  // red giant with a long secondary period (years) on top of a short pulsation
      s.period_days = bounded_lognormal(rng, 600, 0.3, 300, 1500);
      s.amplitude_mag = rng.uniform(0.1, 0.6);
      s.teff = rng.uniform(3300, 4100);
      s.abs_mag_v = rng.uniform(-1.5, 0.5);
      s.giant = true;
      s.dust = rng.uniform(0.0, 0.4);
      break;
    case YSO:  // T Tauri star: spotted, dipping, above the main sequence, dusty disc
      s.period_days = bounded_lognormal(rng, 4.0, 0.5, 1.0, 15.0);
      s.amplitude_mag = rng.uniform(0.3, 1.5);
      s.teff = rng.uniform(3500, 5200);
      s.abs_mag_v = main_sequence_abs_mag(s.teff) - rng.uniform(1.0, 2.5);
      s.dust = rng.uniform(1.0, 2.5);
      break;
    case SR:
    default:
      s.period_days = bounded_lognormal(rng, 60, 0.7, 20, 400);
      s.amplitude_mag = log_uniform(rng, 0.2, 2.0);
      s.teff = rng.uniform(3000, 3800);
      s.abs_mag_v = rng.uniform(-2.0, 0.5);
      s.giant = true;
      s.dust = rng.uniform(0.0, 0.8);
      break;
  }
}

// The disk's vertical scale [pc] the star is drawn from (the halo has none).
double disk_scale_height(const Star& s, int version) {
  if (version >= 2 && s.label < data::kNumClasses) return disk_scale_height_v2(s);
  const bool young = s.label == DCEP || s.label == YSO;  // Cepheids, YSOs stay near the plane
  return young ? 70.0 : s.giant ? 400.0 : 250.0;
}

// Apparent brightness, position, distance, extinction and radial velocity.
void place_star(Star& s, Rng& rng, int version) {
  const int label = s.label;
  // Apparent brightness within ASAS-SN's range, skewed to faint stars (number counts rise).
  s.apparent_v = 9.0 + 6.5 * std::pow(rng.uniform(), 0.6);
  s.l_deg = rng.uniform(0.0, 360.0);
  const bool halo = s.population == Population::kHalo;
  const double z_scale = halo ? 0.0 : rng.normal(0.0, disk_scale_height(s, version));
  const double halo_b = std::asin(rng.uniform(-1.0, 1.0)) * 180.0 / kPi;
  // Distance from the distance modulus, with extinction growing along the line of sight.
  double distance = 1000.0;
  for (int it = 0; it < 4; ++it) {
    const double b_rad = halo ? halo_b * kPi / 180.0 : std::atan2(z_scale, distance);
    const double dust_path = std::min(distance, 150.0 / std::max(0.05, std::fabs(std::sin(b_rad))));
    s.extinction_v = std::min(3.0, 0.8 * dust_path / 1000.0);
    distance = std::pow(10.0, (s.apparent_v - s.abs_mag_v - s.extinction_v + 5.0) / 5.0);
  }
  if (label == YSO) {  // the star-forming cloud's own dust
    s.extinction_v = std::min(5.0, s.extinction_v + rng.uniform(0.5, 2.5));
    distance = std::pow(10.0, (s.apparent_v - s.abs_mag_v - s.extinction_v + 5.0) / 5.0);
  }
  s.distance_pc = distance;
  s.b_deg = halo ? halo_b : std::atan2(z_scale, distance) * 180.0 / kPi;
  s.radial_velocity = rng.normal(0.0, halo ? 150.0 : 30.0);
}

}  // namespace

std::vector<std::string> star_class_names() {
  std::vector<std::string> names(data::kClassNames.begin(), data::kClassNames.end());
  names.insert(names.end(), kUnseenClassNames.begin(), kUnseenClassNames.end());
  return names;
}

Star draw_star(int label, Rng& rng, double carbon_mira_fraction, int version) {
  Star s;
  s.label = label;
  for (auto& v : s.shape) v = rng.uniform();
  if (version >= 2 && label < data::kNumClasses) {
    draw_class_v2(s, rng, carbon_mira_fraction);
  } else {
    draw_class_v1(s, rng, carbon_mira_fraction);
  }
  if (s.population == Population::kThinDisk && label != RRAB && label != RRC && label != T2CEP) {
    s.metallicity = rng.normal(-0.1, 0.25);
  }
  place_star(s, rng, version);
  return s;
}

std::array<double, data::kNumMetaCols> catalogue_metadata(const Star& s, Rng& rng, int version) {
  const double ebv = s.extinction_v / 3.1;
  // A single-epoch magnitude of a variable scatters by a fraction of its amplitude.
  auto epoch_scatter = [&] { return s.amplitude_mag * (rng.uniform() - 0.5) * 0.5; };

  // Version 2: metal-poor stars are bluer at the same temperature (weaker line blanketing).
  const double blanketing = version >= 2 ? 0.05 * s.metallicity : 0.0;
  const double bp_rp = intrinsic_bp_rp(s.teff) + blanketing + 1.34 * ebv + rng.normal(0, 0.03);
  const double g_minus_v =
      -0.02704 + 0.01424 * bp_rp - 0.2156 * bp_rp * bp_rp + 0.01426 * bp_rp * bp_rp * bp_rp;
  const double v = s.apparent_v;
  const double g = v + g_minus_v + epoch_scatter();
  const double rp = g - (0.6 * bp_rp - 0.05 * bp_rp * bp_rp);
  const double bp = rp + bp_rp;

  double v_minus_k = intrinsic_v_minus_k(s.teff) + 2.72 * ebv;
  double j_minus_k = 0.24 * v_minus_k + rng.normal(0, 0.03);
  if (s.carbon) j_minus_k += rng.uniform(0.5, 1.2);  // C stars are much redder in J-K
  const double k = v - v_minus_k + epoch_scatter() * 0.4;
  const double j = k + j_minus_k;
  const double h = k + 0.06 * v_minus_k + 0.25 * (j_minus_k - 0.24 * v_minus_k);
  const double w1 = k - 0.02 * v_minus_k - 0.03 + rng.normal(0, 0.03);
  const double w1_w2 = (s.giant ? -0.06 : 0.0) + 0.15 * s.dust + rng.normal(0, 0.03);
  const double w2 = w1 - w1_w2;
  const double w3 = w2 - 0.05 - 0.9 * s.dust + rng.normal(0, 0.05);
  const double w3_w4 = 0.05 + 0.8 * s.dust + rng.normal(0, 0.08);
  const double w4 = w3 - w3_w4;

  const double e_g = std::min(0.05, 0.002 + 0.004 * std::pow(10.0, 0.4 * (g - 14.0)));
  const double e_k = std::min(0.2, 0.018 + 0.01 * std::pow(10.0, 0.4 * (k - 11.0)));
  const double e_w1 = std::min(0.2, 0.022 + 0.01 * std::pow(10.0, 0.4 * (w1 - 11.0)));

  const double plx_err = 0.02 + 0.03 * std::pow(10.0, 0.2 * (g - 13.0));
  const double parallax = 1000.0 / s.distance_pc + rng.normal(0, plx_err);
  const double v_t = version >= 2                        ? tangential_velocity_v2(s, rng)
                     : s.population == Population::kHalo ? rng.uniform(120, 280)
                                                         : 10.0 + std::fabs(rng.normal(0, 30));
  const double pm_true = v_t / (4.74 * s.distance_pc / 1000.0);
  const double angle = rng.uniform(0.0, 2.0 * kPi);
  const double pm_err = 0.02 + 0.04 * std::pow(10.0, 0.2 * (g - 13.0));
  const double pmra = pm_true * std::cos(angle) + rng.normal(0, pm_err);
  const double pmdec = pm_true * std::sin(angle) + rng.normal(0, pm_err);

  double ruwe = version >= 2 ? ruwe_v2(s, rng) : rng.lognormal(0.0, 0.1);
  if (version < 2 && s.giant && s.label == M) ruwe = rng.lognormal(std::log(1.3), 0.3);
  if (version < 2 && (s.label == EA || s.label == EB || s.label == EW) && rng.bernoulli(0.15)) {
    ruwe = std::min(7.0, rng.lognormal(std::log(2.0), 0.5));
  }

  return {v + epoch_scatter(),
          g,
          e_g,
          bp,
          e_g * 3.0,
          rp,
          e_g * 2.0,
          bp - rp,
          parallax,
          plx_err,
          parallax / plx_err,
          pmra,
          pm_err,
          pmdec,
          pm_err * 0.9,
          j,
          e_k * 1.1,
          h,
          e_k * 1.2,
          k,
          e_k,
          w1,
          e_w1,
          w2,
          e_w1 * 1.1,
          w3,
          w4,
          j - k,
          w1 - w2,
          w3 - w4,
          std::hypot(pmra, pmdec),
          ruwe,
          s.l_deg,
          s.b_deg};
}

std::array<double, data::kNumPhotoCols> catalogue_features(const Star& s, double noise_to_signal,
                                                           Rng& rng) {
  const double amplitude = s.amplitude_mag * rng.lognormal(0.0, 0.08);
  double period = s.period_days * (1.0 + rng.normal(0.0, 1e-4));
  // Some catalogue periods are aliases (half or double), as in the real catalogue; eclipsing
  // binaries, whose two minima may look alike, are listed at half their period more often.
  const bool binary = s.label == EA || s.label == EB || s.label == EW;
  if (rng.bernoulli(binary ? 0.08 : 0.02)) period *= rng.bernoulli(binary ? 0.8 : 0.5) ? 0.5 : 2.0;
  double lksl;
  switch (s.label) {
    case SR:
      lksl = rng.uniform(0.3, 1.0);
      break;
    case ROT:
    case YSO:
      lksl = rng.uniform(0.2, 0.9);
      break;
    case LSP:
      lksl = rng.uniform(0.2, 0.7);
      break;
    case M:
      lksl = rng.uniform(0.05, 0.3);
      break;
    default:
      lksl = 0.03 + 0.5 * noise_to_signal + std::fabs(rng.normal(0.0, 0.05));
      break;
  }
  // The classifier score of the known class nearest in look (unseen classes: a lower one).
  static constexpr double kRfrMean[data::kNumClasses + kNumUnseenClasses] = {
      0.80, 0.85, 0.80, 0.95, 0.85, 0.92, 0.70, 0.95, 0.85, 0.65, 0.60, 0.55, 0.55, 0.50};
  const double rfr = clamp(rng.normal(kRfrMean[s.label], 0.08), 0.3, 1.0);
  return {amplitude, period, clamp(lksl, 0.0, 1.0), rfr};
}

}  // namespace astrom3::synth

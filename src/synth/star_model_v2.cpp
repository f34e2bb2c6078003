#include "astrom3/synth/star_model_v2.h"

#include <algorithm>
#include <cmath>

#include "astrom3/synth/stellar_tables.h"

namespace astrom3::synth {
namespace {

using namespace star_class;

// RR Lyrae absolute magnitude against metallicity (M_V = 0.23 [Fe/H] + 0.93, Chaboyer 1999
// style) with 0.1 mag of intrinsic scatter; RRab and RRc share it.
double rr_lyrae_abs_mag(double feh, Rng& rng) {
  return 0.23 * feh + 0.93 + rng.normal(0.0, 0.1);
}

// RR Lyrae stars: 75 % halo (metal-poor, fast), the rest thick disk (more metal-rich). The thick
// disk has no Population value of its own: it is kThinDisk with the RR Lyrae cases of
// disk_scale_height_v2 (900 pc) and tangential_velocity_v2 (40 + |N(0, 50)| km/s).
void draw_rr_population(Star& s, Rng& rng) {
  const bool halo = rng.bernoulli(0.75);
  s.population = halo ? Population::kHalo : Population::kThinDisk;
  s.metallicity = halo ? rng.normal(-1.5, 0.35) : rng.normal(-0.8, 0.35);
}

// Period-luminosity relation of delta Scuti stars and HADS (M_V = -2.89 log P - 1.31,
// McNamara 2011); `scatter` widens it for multi-mode, overtone-dominated DSCT.
double delta_scuti_abs_mag(double period, double scatter, Rng& rng) {
  return -2.89 * std::log10(period) - 1.31 + rng.normal(0.0, scatter);
}

// Instability-strip temperature of a delta Scuti star: longer periods are cooler.
double delta_scuti_teff(double period, double scatter, Rng& rng) {
  return 7500.0 - 1500.0 * (std::log10(period) + 1.0) + rng.normal(0.0, scatter);
}

// A delta Scuti star or HADS: log-normal period [d], log-uniform V amplitude [mag], then the
// temperature and luminosity its period gives, with the class's scatter [K, mag].
struct DeltaScutiPriors {
  double period_median, period_sd, period_lo, period_hi;
  double amplitude_lo, amplitude_hi;
  double teff_scatter, mv_scatter;
};
void draw_delta_scuti(Star& s, Rng& rng, const DeltaScutiPriors& p) {
  s.period_days = bounded_lognormal(rng, p.period_median, p.period_sd, p.period_lo, p.period_hi);
  s.amplitude_mag = log_uniform(rng, p.amplitude_lo, p.amplitude_hi);
  s.teff = delta_scuti_teff(s.period_days, p.teff_scatter, rng);
  s.abs_mag_v = delta_scuti_abs_mag(s.period_days, p.mv_scatter, rng);
}

// Mira and semi-regular period-luminosity relation in Ks (Whitelock et al. 2008), converted to
// V with the star's V - Ks at its temperature.
double long_period_abs_mag_v(double period, double offset, double scatter, double teff, Rng& rng) {
  const double mk = -3.51 * (std::log10(period) - 2.38) - 7.15 + offset + rng.normal(0.0, scatter);
  return mk + intrinsic_v_minus_k(teff);
}

// The star that dominates an eclipsing binary's light: with probability `giant_share` an
// evolved component (T_eff [K] and M_V uniform in `giant`'s ranges), else a main-sequence star,
// log-uniform in T_eff, `dwarf.brighter` mag above the main sequence with 0.45 mag of scatter.
struct EvolvedPrimary {
  double teff_lo, teff_hi, mv_lo, mv_hi;
};
struct DwarfPrimary {
  double teff_lo, teff_hi, brighter;
};
void draw_binary_primary(Star& s, Rng& rng, double giant_share, EvolvedPrimary giant,
                         DwarfPrimary dwarf) {
  s.giant = rng.bernoulli(giant_share);
  if (s.giant) {
    s.teff = rng.uniform(giant.teff_lo, giant.teff_hi);
    s.abs_mag_v = rng.uniform(giant.mv_lo, giant.mv_hi);
  } else {
    s.teff = log_uniform(rng, dwarf.teff_lo, dwarf.teff_hi);
    s.abs_mag_v = main_sequence_abs_mag(s.teff) - dwarf.brighter + rng.normal(0.0, 0.45);
  }
}

}  // namespace

void draw_class_v2(Star& s, Rng& rng, double carbon_mira_fraction) {
  switch (s.label) {
    case RRAB: {
      draw_rr_population(s, rng);
      // Oosterhoff: metal-poor RRab pulsate more slowly; longer periods sit at the cool edge and,
      // on the Bailey diagram, have smaller amplitudes.
      s.period_days =
          std::clamp(0.58 - 0.07 * (s.metallicity + 1.5) + rng.normal(0.0, 0.06), 0.42, 0.9);
      s.teff = 6550.0 - 2200.0 * (s.period_days - 0.58) + rng.normal(0.0, 120.0);
      s.amplitude_mag = std::clamp(1.95 - 1.8 * s.period_days + rng.normal(0.0, 0.13), 0.3, 1.4);
      s.abs_mag_v = rr_lyrae_abs_mag(s.metallicity, rng);
      break;
    }
    case RRC:
      draw_rr_population(s, rng);
      s.period_days = std::clamp(0.32 + rng.normal(0.0, 0.045), 0.22, 0.45);
      s.teff = 7250.0 - 2500.0 * (s.period_days - 0.32) + rng.normal(0.0, 120.0);
      s.amplitude_mag = rng.uniform(0.2, 0.55);
      s.abs_mag_v = rr_lyrae_abs_mag(s.metallicity, rng) - 0.05;
      break;
    case HADS:
      draw_delta_scuti(s, rng, {0.1, 0.35, 0.04, 0.25, 0.2, 0.9, 200.0, 0.15});
      break;
    case DSCT:  // wider relations: multi-mode, overtone-dominated
      draw_delta_scuti(s, rng, {0.07, 0.5, 0.02, 0.25, 0.02, 0.2, 300.0, 0.35});
      break;
    case EW:
      // Contact binaries: the period-colour relation (longer periods are hotter) and the
      // combined light of two similar dwarfs, 0.75 mag above one of them.
      s.period_days = bounded_lognormal(rng, 0.37, 0.25, 0.22, 0.7);
      s.teff = std::clamp(5900.0 + 3800.0 * (std::log10(s.period_days) + 0.43) + rng.normal(0, 250),
                          4300.0, 7500.0);
      s.amplitude_mag = rng.uniform(0.15, 0.75);
      s.abs_mag_v = main_sequence_abs_mag(s.teff) - 0.75 + rng.normal(0.0, 0.25);
      break;
    case EB:
      // beta Lyrae: semi-detached, often early-type; a fifth have an evolved, cooler component.
      s.period_days = bounded_lognormal(rng, 0.8, 0.55, 0.3, 5.0);
      s.amplitude_mag = rng.uniform(0.2, 0.8);
      draw_binary_primary(s, rng, 0.2, {4700, 6000, 0.5, 2.5}, {6000, 11000, 0.5});
      break;
    case EA:
      // Algols: detached, many hot A-B primaries, a quarter with a giant (RS CVn-like).
      s.period_days = bounded_lognormal(rng, 3.0, 0.9, 0.5, 50.0);
      s.amplitude_mag = log_uniform(rng, 0.1, 1.5);
      draw_binary_primary(s, rng, 0.25, {4400, 5300, 0.3, 2.5}, {5500, 15000, 0.4});
      break;
    case ROT:
      // Spotted rotators: young active dwarfs (BY Dra, close and faint; mostly K and M) or
      // giants (FK Com).
      draw_rotator(s, rng,
                   {0.3, 20, 0.45, 5, 80, 4200, 5100, 0.0, 1.8, 4, 0.9, 0.5, 30, 3300, 5600, 0.35});
      break;
    case M: {
      s.period_days = bounded_lognormal(rng, 300, 0.35, 100, 700);
      // Longer-period Miras are cooler and dustier.
      const double lp = std::log10(s.period_days) - 2.4;
      s.teff = std::clamp(2950.0 - 700.0 * lp + rng.normal(0.0, 120.0), 2300.0, 3400.0);
      s.amplitude_mag = std::clamp(4.0 + 4.0 * lp + rng.normal(0.0, 0.9), 2.5, 8.0);
      s.abs_mag_v = long_period_abs_mag_v(s.period_days, 0.0, 0.15, s.teff, rng);
      s.giant = true;
      s.carbon = rng.bernoulli(carbon_mira_fraction);
      s.dust = std::clamp(1.5 + 3.0 * lp + rng.normal(0.0, 0.4), 0.3, 3.5);
      break;
    }
    case SR:
    default:
      // Semi-regulars: the period-luminosity sequences above the Miras' (0.9 mag brighter in Ks at
      // the same period), broad.
      s.period_days = bounded_lognormal(rng, 60, 0.7, 20, 400);
      s.amplitude_mag = log_uniform(rng, 0.15, 1.8);
      s.teff = rng.uniform(3000, 3900);
      s.abs_mag_v = long_period_abs_mag_v(s.period_days, -0.9, 0.45, s.teff, rng);
      s.giant = true;
      s.dust = rng.uniform(0.0, 0.8);
      break;
  }
}

void draw_rotator(Star& s, Rng& rng, const RotatorPriors& p) {
  s.giant = rng.bernoulli(p.giant_share);
  if (s.giant) {
    s.period_days = bounded_lognormal(rng, p.giant_period_median, p.giant_period_sd,
                                      p.giant_period_lo, p.giant_period_hi);
    s.teff = rng.uniform(p.giant_teff_lo, p.giant_teff_hi);
    s.abs_mag_v = rng.uniform(p.giant_mv_lo, p.giant_mv_hi);
  } else {
    s.period_days = bounded_lognormal(rng, p.dwarf_period_median, p.dwarf_period_sd,
                                      p.dwarf_period_lo, p.dwarf_period_hi);
    s.teff = rng.uniform(p.dwarf_teff_lo, p.dwarf_teff_hi);
    s.abs_mag_v = main_sequence_abs_mag(s.teff) + rng.normal(0.0, 0.3);
  }
  s.amplitude_mag = log_uniform(rng, 0.03, p.amplitude_hi);
}

double disk_scale_height_v2(const Star& s) {
  switch (s.label) {
    case RRAB:
    case RRC:
      return 900.0;  // the thick disk
    case EA:
    case EB:
      return s.teff > 7500.0 ? 90.0 : 250.0;  // hot primaries are young
    case DSCT:
    case HADS:
      return 150.0;
    case ROT:
      return s.giant ? 350.0 : 120.0;
    case EW:
      return 350.0;
    case M:
      return 300.0;
    default:
      return s.giant ? 450.0 : 250.0;
  }
}

double tangential_velocity_v2(const Star& s, Rng& rng) {
  if (s.population == Population::kHalo) return rng.uniform(120, 280);
  if (s.label == RRAB || s.label == RRC) return 40.0 + std::fabs(rng.normal(0, 50));
  if (s.label == ROT && !s.giant) return 5.0 + std::fabs(rng.normal(0, 18));
  return 10.0 + std::fabs(rng.normal(0, 30));
}

double ruwe_v2(const Star& s, Rng& rng) {
  double share = 0.0;  // of stars with an unresolved companion that moves the photocentre
  switch (s.label) {
    case EA:
      share = 0.3;
      break;
    case EB:
      share = 0.2;
      break;
    case EW:
    case ROT:
      share = 0.12;
      break;
    case M:
      return rng.lognormal(std::log(1.3), 0.3);
    case SR:
      return rng.lognormal(std::log(1.12), 0.2);
    default:
      break;
  }
  if (rng.bernoulli(share)) return std::min(7.0, rng.lognormal(std::log(1.9), 0.5));
  return rng.lognormal(0.0, 0.1);
}

}  // namespace astrom3::synth

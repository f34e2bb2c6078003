#include "astrom3/synth/lightcurve_model.h"
#include "astrom3/common/math_constants.h"

#include <algorithm>
#include <cmath>

namespace astrom3::synth {
namespace {

using namespace star_class;

double frac(double x) {
  return x - std::floor(x);
}

// Eclipse profile: depth 1 at the centre, 0 beyond half-width w (in phase units).
double eclipse(double dphase, double w) {
  const double d = std::fabs(dphase - std::round(dphase));
  if (d >= w) return 0.0;
  const double x = d / w;
  return std::pow(1.0 - x * x, 0.6);
}

// Pulsator sawtooth: fast rise over `rise` of the cycle, slow decline. Returns magnitude
// offset in [0, 1] (0 = maximum light).
double sawtooth(double phase, double rise) {
  if (phase < rise) {
    const double x = phase / rise;
    return 1.0 - x * x * (3.0 - 2.0 * x);  // smooth step to maximum
  }
  const double x = (phase - rise) / (1.0 - rise);
  return std::pow(x, 0.8);
}

// A deterministic pseudo-random number in [0, 1) for integer n and a star's shape parameter:
// the light-curve model is a function of time, so aperiodic events are drawn from a hash.
double hash01(double n, double salt) {
  return frac(std::sin(n * 12.9898 + salt * 78.233) * 43758.5453);
}

}  // namespace

double model_delta_mag(const Star& s, double t, double phase) {
  const double A = s.amplitude_mag;
  const auto& q = s.shape;  // uniform [0, 1) shape parameters
  switch (s.label) {
    case EW: {  // contact binary: continuous, nearly equal minima
      const double asym = 1.0 + 0.15 * (q[0] - 0.5) * std::cos(kTwoPi * phase);  // O'Connell
      return A * 0.5 * (1.0 + std::cos(2.0 * kTwoPi * phase)) * asym;            // minima at 0, 0.5
    }
    case EB: {  // beta Lyrae: continuous, unequal minima (secondary 40-85 % of primary)
      const double r = 0.4 + 0.45 * q[0];
      const double envelope = 0.5 * (1.0 + r) + 0.5 * (1.0 - r) * std::cos(kTwoPi * phase);
      return A * 0.5 * (1.0 + std::cos(2.0 * kTwoPi * phase)) * envelope;
    }
    case EA: {  // Algol: flat maxima, narrow eclipses, secondary shallow, maybe eccentric
      const double w = 0.03 + 0.12 * q[0];
      const double secondary = 0.05 + 0.55 * q[1];
      const double offset = 0.5 + (q[2] < 0.3 ? 0.1 * (q[3] - 0.5) : 0.0);
      return A * (eclipse(phase, w) + secondary * eclipse(phase - offset, w * (0.8 + 0.4 * q[4])));
    }
    case RRAB:
      return A * sawtooth(phase, 0.12 + 0.08 * q[0]);
    case HADS:
      return A * (0.85 * sawtooth(phase, 0.25 + 0.15 * q[0]) +
                  0.15 * 0.5 * (1.0 + std::sin(kTwoPi * t / (s.period_days * 0.773) + 6.0 * q[1])));
    case RRC:
      return A * (0.5 - 0.5 * std::cos(kTwoPi * phase) + 0.08 * std::sin(2.0 * kTwoPi * phase)) /
             1.08;
    case DSCT: {  // multi-periodic low-amplitude pulsation
      const double p2 = s.period_days / 0.773, p3 = s.period_days * (0.6 + 0.3 * q[0]);
      return A * 0.5 *
             (0.55 * std::sin(kTwoPi * phase) + 0.3 * std::sin(kTwoPi * t / p2 + 6.0 * q[1]) +
              0.15 * std::sin(kTwoPi * t / p3 + 6.0 * q[2]));
    }
    case ROT: {  // evolving spots: amplitude and phase drift over an activity timescale
      const double activity = 200.0 + 600.0 * q[0];
      const double amp = A * (0.6 + 0.4 * std::sin(kTwoPi * t / activity + 6.0 * q[1]));
      const double drift = kTwoPi * t / (100.0 + 200.0 * q[2]);
      return 0.5 * amp * std::sin(kTwoPi * phase + drift) +
             0.08 * amp * std::sin(2.0 * kTwoPi * phase + 2.0 * drift);
    }
    case M: {  // Mira: large, slightly asymmetric, cycle-to-cycle amplitude changes
      const double cycle = std::floor(t / s.period_days);
      const double scale = 1.0 + 0.1 * std::sin(cycle * 2.3 + 6.0 * q[0]);
      const double x = kTwoPi * phase;
      return 0.5 * A * scale * -std::cos(x + 0.35 * std::sin(x));
    }
    case DCEP: {  // sawtooth with a Hertzsprung bump on the descending branch
      const double bump =
          0.12 * q[1] * std::exp(-0.5 * std::pow((phase - 0.35 - 0.2 * q[2]) / 0.05, 2));
      return A * (sawtooth(phase, 0.25 + 0.1 * q[0]) - bump);
    }
    case T2CEP: {  // sawtooth; W Vir stars alternate deep and shallow minima (RV Tau-like)
      const double cycle = std::floor(t / s.period_days);
      const double alternate = q[1] < 0.4 ? (std::fmod(cycle, 2.0) < 1.0 ? 1.0 : 0.75) : 1.0;
      return A * alternate * sawtooth(phase, 0.18 + 0.12 * q[0]);
    }
    case LSP: {  // the long secondary period plus the short (period / 6-10) pulsation
      const double p2 = s.period_days / (6.0 + 4.0 * q[0]);
      return 0.5 * A * std::sin(kTwoPi * phase) + 0.15 * A * std::sin(kTwoPi * t / p2 + 6.0 * q[1]);
    }
    case YSO: {  // spot modulation plus aperiodic dust dips (each window of `tau` days may hold
                 // one)
      const double spots = 0.1 * A * std::sin(kTwoPi * phase);
      const double tau = 5.0 + 20.0 * q[0];
      const double window = std::floor(t / tau);
      if (hash01(window, q[1]) > 0.35 + 0.3 * q[2]) return spots;
      const double centre = (window + 0.2 + 0.6 * hash01(window + 0.5, q[3])) * tau;
      const double width = 0.5 + 2.0 * hash01(window + 0.25, q[4]);
      const double depth = A * (0.3 + 0.7 * hash01(window + 0.75, q[5]));
      return spots + depth * std::exp(-0.5 * std::pow((t - centre) / width, 2));
    }
    case SR:
    default: {  // semi-regular: two modes, amplitude modulation
      const double p2 = s.period_days * (1.8 + 0.4 * q[0]);
      const double mod = 0.7 + 0.3 * std::sin(kTwoPi * t / (s.period_days * (6.0 + 6.0 * q[1])));
      return 0.5 * A *
             (mod * std::sin(kTwoPi * phase) + 0.4 * std::sin(kTwoPi * t / p2 + 6.0 * q[2]));
    }
  }
}

RawLightCurve simulate_lightcurve(const Star& s, Rng& rng, int version) {
  RawLightCurve lc;
  const int n = static_cast<int>(std::clamp(rng.lognormal(std::log(450.0), 0.55), 100.0, 1500.0));
  const double span = rng.uniform(2.0, 6.0) * 365.25;
  const double start = std::floor(rng.uniform(2456000.0, 2457000.0));
  const double visible = rng.uniform(0.6, 0.75);  // fraction of each year the field is up
  const double season_phase = rng.uniform();

  std::vector<double> times;
  times.reserve(n);
  for (int guard = 0; static_cast<int>(times.size()) < n && guard < 100 * n; ++guard) {
    const double night = std::floor(rng.uniform(0.0, span));
    if (frac(night / 365.25 + season_phase) > visible) continue;  // seasonal gap
    times.push_back(start + night + rng.uniform(0.1, 0.4));
  }
  std::sort(times.begin(), times.end());

  // V zero point 3640 Jy; errors grow towards faint magnitudes. Version 2 follows ASAS-SN's
  // (~0.02 mag at V 13, ~0.04 at V 14, ~0.09 at V 15); version 1 has about half of that.
  const double f0 = 3.64e6 * std::pow(10.0, -0.4 * s.apparent_v);  // mJy
  const double sigma_mag = version >= 2
                               ? 0.01 + 0.03 * std::pow(10.0, 0.4 * (s.apparent_v - 14.0))
                               : 0.008 + 0.015 * std::pow(10.0, 0.4 * (s.apparent_v - 14.0));
  lc.median_error_mag = sigma_mag;
  const double t0 = rng.uniform(0.0, s.period_days);
  const double phase0 = rng.uniform();
  // Version 2: ASAS-SN's 8" pixels blend neighbours into the aperture, more often in the crowded
  // galactic plane; their constant light, in units of the star's, dilutes the amplitude.
  double blend = 0.0;
  if (version >= 2 && rng.bernoulli(std::fabs(s.b_deg) < 10.0 ? 0.4 : 0.12)) {
    blend = rng.uniform(0.2, 2.0);
  }
  for (double t : times) {
    const double phase = frac((t - start - t0) / s.period_days + phase0);
    const double dm = model_delta_mag(s, t - start, phase);
    const double flux = f0 * (std::pow(10.0, -0.4 * dm) + blend);
    const double err = flux * sigma_mag / 1.0857 + 0.03 + 0.005 * f0 * rng.uniform();
    double obs = flux + err * rng.normal() * (rng.bernoulli(0.05) ? 2.5 : 1.0);
    if (rng.bernoulli(0.005)) obs += (rng.bernoulli(0.5) ? 1.0 : -1.0) * rng.uniform(5, 15) * err;
    lc.time.push_back(t);
    lc.flux.push_back(static_cast<float>(obs));
    lc.flux_err.push_back(static_cast<float>(err));
    if (rng.bernoulli(0.01)) {  // repeated rows exist in the real files; preprocessing drops them
      lc.time.push_back(t);
      lc.flux.push_back(static_cast<float>(obs));
      lc.flux_err.push_back(static_cast<float>(err));
    }
  }
  return lc;
}

}  // namespace astrom3::synth

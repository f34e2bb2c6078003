#include "astrom3/synth/spectrum_model.h"

#include <algorithm>
#include <cmath>

namespace astrom3::synth {
namespace {

using namespace star_class;
constexpr double kC = 299792.458;  // km/s

double planck(double lambda_angstrom, double teff) {
  const double x = 1.4387769e8 / (lambda_angstrom * teff);  // hc / (lambda k T), lambda in A
  return 1.0 / (std::pow(lambda_angstrom / 5500.0, 5.0) * std::expm1(std::min(x, 700.0)));
}

// Smooth LAMOST-like throughput: low in the far blue, dichroic dip near 5900 A.
double throughput(double lambda) {
  const double broad = std::exp(-std::pow((lambda - 6200.0) / 3200.0, 2.0));
  const double blue_cut = 1.0 / (1.0 + std::exp(-(lambda - 3900.0) / 80.0));
  const double dichroic = 1.0 - 0.35 * std::exp(-std::pow((lambda - 5900.0) / 60.0, 2.0));
  return broad * blue_cut * dichroic;
}

struct Line {
  double center, depth, sigma;
};

// Molecular band with a sharp head at `head`, degrading towards the red (TiO) or blue (C2).
double band(double lambda, double head, double depth, double extent, bool to_red) {
  const double d = to_red ? lambda - head : head - lambda;
  if (d < 0.0 || d > extent) return 1.0;
  return 1.0 - depth * std::exp(-d / (0.4 * extent));
}

}  // namespace

RawSpectrum simulate_spectrum(const Star& s, Rng& rng, int version) {
  RawSpectrum out;
  out.wavelength.resize(kLamostPixels);
  out.flux.resize(kLamostPixels);
  out.ivar.resize(kLamostPixels);

  const double t = s.teff;
  const bool v2 = version >= 2;
  const double metal = std::pow(10.0, std::clamp(s.metallicity, -2.5, 0.5));  // line strength
  // Version 1 saturates metal lines at solar strength and all but erases them below; version 2
  // weakens them as the square root of the metal abundance, as curve-of-growth lines do.
  const double metals = v2 ? std::sqrt(metal) : std::min(1.0, metal);
  // Version 2's surface gravity: giants have narrower Balmer wings, weaker pressure-sensitive
  // Mg b and Na D, and a stronger Ca II triplet than dwarfs of the same temperature.
  const double bw = v2 && s.giant ? 0.6 : 1.0;  // Balmer wing width
  const double mgb = v2 ? (s.giant ? 0.7 : 1.2) : 1.0;
  const double nad = v2 ? (s.giant ? 0.6 : 1.3) : 1.0;
  const double cat = v2 ? (s.giant ? 1.4 : 0.85) : 1.0;
  const double balmer = std::exp(-std::pow((t - 9500.0) / 2600.0, 2.0));
  const double cool = std::clamp((7500.0 - t) / 3000.0, 0.05, 1.0);
  std::vector<Line> lines = {
      {6564.6, 0.6 * balmer + 0.1, 4.0 + 18.0 * balmer * bw},
      {4862.7, 0.6 * balmer + 0.1, 4.0 + 18.0 * balmer * bw},
      {4341.7, 0.55 * balmer + 0.08, 4.0 + 16.0 * balmer * bw},
      {4102.9, 0.5 * balmer + 0.06, 4.0 + 14.0 * balmer * bw},
      {3971.2, 0.45 * balmer + 0.05, 4.0 + 12.0 * balmer * bw},
      {3934.8, 0.8 * cool * metals, 4.0 + 4.0 * cool},  // Ca II K
      {3969.6, 0.7 * cool * metals, 4.0 + 4.0 * cool},  // Ca II H
      {5175.0, 0.35 * cool * metals * mgb, 6.0},        // Mg b
      {5895.0, 0.35 * cool * metals * nad, 4.0},        // Na D
      {4300.0, 0.25 * cool * metals, 10.0},             // G band
      {8544.0, 0.3 * cool * metals * cat, 5.0},         // Ca triplet
      {8664.0, 0.25 * cool * metals * cat, 5.0},
  };
  if (v2) lines.push_back({8500.0, 0.2 * cool * metals * cat, 5.0});  // the triplet's third line
  // Emission: Miras show strong Balmer emission; active dwarfs (ROT) Ca II and H-alpha cores.
  std::vector<Line> emission;
  if (s.label == M) {
    emission.push_back({4102.9, rng.uniform(0.5, 3.0), 3.0});
    emission.push_back({4341.7, rng.uniform(0.3, 2.0), 3.0});
    emission.push_back({6564.6, rng.uniform(0.2, 1.0), 3.0});
  } else if (s.label == YSO) {  // accretion: strong Balmer and Ca II emission
    emission.push_back({6564.6, rng.uniform(1.0, 4.0), 3.0});
    emission.push_back({4862.7, rng.uniform(0.3, 1.5), 2.5});
    emission.push_back({3934.8, rng.uniform(0.3, 1.2), 1.5});
    emission.push_back({8544.0, rng.uniform(0.1, 0.5), 2.0});
  } else if (s.label == ROT && !s.giant) {
    emission.push_back({3934.8, rng.uniform(0.1, 0.6), 1.5});
    emission.push_back({6564.6, rng.uniform(0.0, 0.3), 2.0});
  }
  const double tio = s.carbon ? 0.0 : std::clamp((4000.0 - t) / 1100.0, 0.0, 0.85);
  const double c2 = s.carbon ? rng.uniform(0.4, 0.7) : 0.0;
  static constexpr double kTio[] = {4955, 5167, 5448, 5847, 6159, 6651, 7054, 7589, 8432};
  static constexpr double kC2[] = {4737, 5165, 5636, 6191};

  const double doppler = 1.0 + s.radial_velocity / kC;
  double scale, snr, tilt = 0.0;
  if (v2) {
    // Fibre positioning, seeing and flux calibration decouple the recorded flux level from the
    // star's V magnitude (a factor of ~2.7 of log-scatter); a per-plate calibration error tilts
    // the continuum; the signal-to-noise ratio falls with magnitude, with a wide spread.
    scale = 2000.0 * std::pow(10.0, -0.4 * (s.apparent_v - 12.0)) * rng.lognormal(0, 1.0);
    snr = std::clamp(50.0 * std::pow(10.0, -0.2 * (s.apparent_v - 12.0)) * rng.lognormal(0, 0.6),
                     3.0, 300.0);
    tilt = rng.normal(0.0, 0.4);
  } else {
    scale = 2000.0 * std::pow(10.0, -0.4 * (s.apparent_v - 12.0)) * rng.lognormal(0, 0.5);
    snr = std::clamp(rng.lognormal(std::log(40.0), 0.7), 5.0, 300.0);
  }
  // Version 2: the interstellar reddening of the catalogue colours, E(B-V) = A_V / 3.1, with an
  // optical extinction curve A(lambda) / E(B-V) = 3.1 (5500 / lambda)^1.3 (close to Cardelli et
  // al. 1989 between 3900 and 9000 A), times the calibration tilt.
  const double ebv = v2 ? s.extinction_v / 3.1 : 0.0;
  const auto response = [&](double lam) {
    return throughput(lam) * std::pow(10.0, -0.4 * ebv * 3.1 * std::pow(5500.0 / lam, 1.3)) *
           std::pow(lam / 6000.0, tilt);
  };
  const double peak = [&] {
    double m = 0.0;
    for (int i = 0; i < kLamostPixels; i += 16) {
      const double lam = std::pow(10.0, kLamostCoeff0 + kLamostCoeff1 * i);
      m = std::max(m, planck(lam, t) * response(lam));
    }
    return m;
  }();

  for (int i = 0; i < kLamostPixels; ++i) {
    const double lam = std::pow(10.0, kLamostCoeff0 + kLamostCoeff1 * i);
    const double rest = lam / doppler;
    double f = planck(lam, t) * response(lam) / peak;
    for (const auto& l : lines) {
      f *=
          1.0 - std::min(0.95, l.depth) * std::exp(-0.5 * std::pow((rest - l.center) / l.sigma, 2));
    }
    for (double h : kTio) f *= band(rest, h, tio, 180.0, true);
    for (double h : kC2) f *= band(rest, h, c2, 150.0, false);
    double e = 0.0;
    for (const auto& l : emission) {
      e += l.depth * std::exp(-0.5 * std::pow((rest - l.center) / l.sigma, 2));
    }
    f = scale * (f + e * f * 0.5 + e * 0.02);
    // Photon-like noise: S/N scales with sqrt(signal) relative to the peak.
    const double sigma = scale / snr * std::sqrt(std::max(f / scale, 1e-3));
    out.wavelength[i] = static_cast<float>(lam);
    out.flux[i] = static_cast<float>(f + sigma * rng.normal());
    out.ivar[i] = static_cast<float>(1.0 / (sigma * sigma));
  }
  // Cosmic rays and bad columns: a few pixels with zero weight.
  const int bad = static_cast<int>(rng.integer(0, 3));
  for (int k = 0; k < bad; ++k) out.ivar[rng.integer(0, kLamostPixels - 1)] = 0.0f;
  // The red end of LAMOST spectra often has 2-12 pixels with flux = ivar = 0.
  const int zeros = static_cast<int>(rng.integer(2, 12));
  for (int k = 0; k < zeros; ++k) {
    out.flux[kLamostPixels - 1 - k] = 0.0f;
    out.ivar[kLamostPixels - 1 - k] = 0.0f;
  }
  return out;
}

}  // namespace astrom3::synth

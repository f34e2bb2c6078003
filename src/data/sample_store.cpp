#include "astrom3/data/sample_store.h"

#include <algorithm>

#include "astrom3/common/parallel.h"
#include "astrom3/data/normalization.h"
#include "astrom3/data/schema.h"

namespace astrom3::data {

SampleStore::SampleStore(std::shared_ptr<const Survey> survey, std::vector<std::int64_t> rows,
                         NormalizationStats stats, const DataOptions& options, int threads)
    : survey_(std::move(survey)),
      rows_(std::move(rows)),
      stats_(std::move(stats)),
      seq_len_(options.seq_len),
      min_coverage_(options.min_spectrum_coverage),
      cached_(options.cache_preprocessed) {
  const auto n = size();
  catalogue_.resize(static_cast<std::size_t>(n) * kNumNormCols);
  for (std::int64_t k = 0; k < n; ++k) {
    normalized_catalogue(*survey_, rows_[k], stats_, &catalogue_[k * kNumNormCols]);
  }
  if (!cached_) return;
  lc_.resize(n);
  spec_.resize(n);
  parallel_for(n, threads, [this](int, std::int64_t k) {
    lc_[k] = prepare_lc(rows_[k]);
    spec_[k] = prepare_spec(rows_[k]);
  });
  for (std::int64_t k = 0; k < n; ++k) {
    const auto r = rows_[k];
    if (survey_->photometry.present[r] && !lc_[k].valid()) {
      if (rejections_.photometry++ == 0) {
        rejections_.first_photometry_reason = survey_->ids[r] + ": " + lc_[k].rejection;
      }
    }
    if (survey_->spectra.present[r] && !spec_[k].valid()) {
      if (rejections_.spectra++ == 0) {
        rejections_.first_spectra_reason = survey_->ids[r] + ": " + spec_[k].rejection;
      }
    }
  }
}

PreparedLightCurve SampleStore::prepare_lc(std::int64_t r) const {
  const auto& p = survey_->photometry;
  if (!p.present[r]) {
    PreparedLightCurve absent;
    absent.rejection = "absent";
    return absent;
  }
  const auto o = p.offsets[r];
  return prepare_lightcurve(&p.time[o], &p.flux[o], &p.flux_err[o], p.offsets[r + 1] - o);
}

PreparedSpectrum SampleStore::prepare_spec(std::int64_t r) const {
  const auto& s = survey_->spectra;
  if (!s.present[r]) {
    PreparedSpectrum absent;
    absent.rejection = "absent";
    return absent;
  }
  const auto o = s.offsets[r];
  return prepare_spectrum(&s.wavelength[o], &s.flux[o], &s.ivar[o], s.offsets[r + 1] - o,
                          min_coverage_);
}

void SampleStore::fill(std::int64_t k, CropMode crop, std::uint64_t crop_seed,
                       const SampleSlots& out) const {
  const auto r = rows_[k];
  const float* cat = &catalogue_[k * kNumNormCols];

  PreparedLightCurve local_lc;
  const PreparedLightCurve* lc = cached_ ? &lc_[k] : &(local_lc = prepare_lc(r));
  if (lc->valid()) {
    const auto start = crop == CropMode::kRandom
                           ? random_crop_start(lc->size(), seq_len_, crop_seed)
                           : centre_crop_start(lc->size(), seq_len_);
    write_lightcurve_window(*lc, start, seq_len_, cat, out.photometry, out.mask);
  } else {
    std::fill(out.photometry, out.photometry + seq_len_ * kPhotometryChannels, 0.0f);
    std::fill(out.mask, out.mask + seq_len_, 0.0f);
  }
  out.present[kPhotometry] = lc->valid();

  PreparedSpectrum local_spec;
  const PreparedSpectrum* spec = cached_ ? &spec_[k] : &(local_spec = prepare_spec(r));
  if (spec->valid()) {
    write_spectrum(*spec, out.spectrum);
  } else {
    std::fill(out.spectrum, out.spectrum + kSpectrumChannels * kSpectrumGridSize, 0.0f);
  }
  out.present[kSpectra] = spec->valid();

  const bool has_meta = survey_->metadata.present[r] != 0;
  if (has_meta) {
    std::copy(cat + kNumPhotoCols, cat + kNumNormCols, out.metadata);
  } else {
    std::fill(out.metadata, out.metadata + kNumMetaCols, 0.0f);
  }
  out.present[kMetadata] = has_meta;
}

}  // namespace astrom3::data

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "astrom3/common/error.h"
#include "astrom3/ingest/lamost_fits.h"
#include "astrom3/ingest/spectrum_files.h"
#include "astrom3/ingest/text_table.h"
#include "support/test_support.h"

namespace astrom3::ingest {
namespace {

namespace fs = std::filesystem;

fs::path fixture(const std::string& name) {
  return fs::path(ASTROM3_TEST_DATA_DIR) / "lamost" / name;
}

// Both real files (DR6 gzip, DR7 plain) against astropy's reading of them (golden.json).
TEST(LamostFits, RealOldLayoutSpectraMatchAstropy) {
  const auto golden = test::load_test_json("lamost/golden.json");
  ASSERT_EQ(golden.size(), 2u);
  for (const auto& [name, g] : golden.items()) {
    SCOPED_TRACE(name);
    const auto s = read_lamost_fits(fixture(name));
    EXPECT_EQ(s.layout, LamostLayout::kImage);
    ASSERT_EQ(s.data.flux.size(), g["pixels"].get<std::size_t>());
    ASSERT_EQ(s.data.wavelength.size(), s.data.flux.size());
    const auto index = g["index"].get<std::vector<int>>();
    for (std::size_t k = 0; k < index.size(); ++k) {
      EXPECT_EQ(s.data.wavelength[index[k]], g["wavelength"][k].get<float>())
          << "pixel " << index[k];
      EXPECT_EQ(s.data.flux[index[k]], g["flux"][k].get<float>()) << "pixel " << index[k];
      EXPECT_EQ(s.data.ivar[index[k]], g["ivar"][k].get<float>()) << "pixel " << index[k];
    }
    double flux_sum = 0, ivar_sum = 0;
    int zero_ivar = 0;
    for (std::size_t i = 0; i < s.data.flux.size(); ++i) {
      flux_sum += s.data.flux[i];
      ivar_sum += s.data.ivar[i];
      zero_ivar += s.data.ivar[i] == 0.0f;
    }
    EXPECT_NEAR(flux_sum, g["flux_sum"].get<double>(), 1e-9 * std::abs(flux_sum));
    EXPECT_NEAR(ivar_sum, g["ivar_sum"].get<double>(), 1e-9 * std::abs(ivar_sum));
    EXPECT_EQ(zero_ivar, g["zero_ivar_pixels"].get<int>());
  }
}

SpectrumData ramp(int pixels, bool lamost_grid) {
  SpectrumData d;
  for (int i = 0; i < pixels; ++i) {
    d.wavelength.push_back(lamost_grid ? lamost_wavelength(kLamostCoeff0, kLamostCoeff1, i)
                                       : 3800.0f + 1.5f * i);
    d.flux.push_back(1000.0f + i * 0.5f);
    d.ivar.push_back(i % 97 == 0 ? 0.0f : 1.0f / (1.0f + i));
  }
  return d;
}

TEST(LamostFits, NewCoaddTableLayoutRoundTripsWith3908And3909Pixels) {
  test::TempDir dir;
  for (int pixels : {3909, 3908}) {
    for (const char* name : {"t.fits", "t.fits.gz"}) {
      const auto d = ramp(pixels, false);
      const fs::path p = dir / (std::to_string(pixels) + name);
      write_lamost_fits(p, d, LamostLayout::kCoaddTable);
      const auto s = read_lamost_fits(p);
      EXPECT_EQ(s.layout, LamostLayout::kCoaddTable);
      EXPECT_EQ(s.data.wavelength, d.wavelength);
      EXPECT_EQ(s.data.flux, d.flux);
      EXPECT_EQ(s.data.ivar, d.ivar);
    }
  }
  // The .gz file really is gzip (magic bytes 1f 8b), not a plain FITS with a .gz name.
  const auto bytes = read_file_bytes(dir / "3909t.fits.gz");
  ASSERT_GE(bytes.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(bytes[1]), 0x8b);
}

TEST(LamostFits, ImageLayoutRebuildsWavelengthFromCoefficients) {
  test::TempDir dir;
  const auto d = ramp(3909, true);
  write_lamost_fits(dir / "i.fits", d, LamostLayout::kImage);
  const auto s = read_lamost_fits(dir / "i.fits");
  EXPECT_EQ(s.layout, LamostLayout::kImage);
  EXPECT_EQ(s.data.wavelength, d.wavelength);
  EXPECT_EQ(s.data.flux, d.flux);
  EXPECT_EQ(s.data.ivar, d.ivar);
  EXPECT_NEAR(s.data.wavelength.front(), 3699.99, 0.01);
  EXPECT_NEAR(s.data.wavelength.back(), 9099.13, 0.01);
  EXPECT_THROW(write_lamost_fits(dir / "x.fits", ramp(10, false), LamostLayout::kImage), Error);
}

// CFITSIO's own file handling reads ".Z" anywhere in a path as "LZW-compressed" and brackets
// or "+" as extension syntax; CI once drew the temporary directory /tmp/tmp.Zo9JHJe3IG and every
// .fits.gz under it was rejected. Paths are opaque to the reader and writer.
TEST(LamostFits, AnyPathWorksIncludingDotZBracketsAndPlus) {
  test::TempDir base;
  const fs::path dir = base / "tmp.Zo9[1]+x (copy)";
  fs::create_directories(dir);
  const auto golden = test::load_test_json("lamost/golden.json");
  for (const auto& [name, g] : golden.items()) {
    SCOPED_TRACE(name);
    fs::copy_file(fixture(name), dir / name);
    const auto there = read_lamost_fits(dir / name);
    const auto here = read_lamost_fits(fixture(name));
    EXPECT_EQ(there.data.flux, here.data.flux);
    EXPECT_EQ(there.data.ivar, here.data.ivar);
    EXPECT_EQ(there.data.wavelength, here.data.wavelength);
  }
  for (const auto layout : {LamostLayout::kImage, LamostLayout::kCoaddTable}) {
    for (const char* name : {"s.fits", "s.fits.gz", "s[2].fits.Z.gz"}) {
      SCOPED_TRACE(std::string(layout_name(layout)) + " " + name);
      const auto d = ramp(3909, true);
      write_lamost_fits(dir / name, d, layout);
      const auto s = read_lamost_fits(dir / name);
      EXPECT_EQ(s.layout, layout);
      EXPECT_EQ(s.data.flux, d.flux);
      EXPECT_EQ(s.data.wavelength, d.wavelength);
    }
  }
  // A plain file is exactly whole 2880-byte FITS blocks: nothing of the memory block beyond
  // the last HDU is written.
  EXPECT_EQ(read_file_bytes(dir / "s.fits").size() % 2880, 0u);
}

TEST(LamostFits, TruncatedAndForeignFilesAreDataErrorsNamingTheFile) {
  test::TempDir dir;
  const std::string real = read_file_bytes(fixture("spec-58397-EG014118N254444M01_sp03-031.fits"));
  { std::ofstream(dir / "cut.fits", std::ios::binary) << real.substr(0, real.size() / 2); }
  test::expect_data_error([&] { read_lamost_fits(dir / "cut.fits"); },
                          (dir / "cut.fits").string() + ": truncated file");
  const std::string gz = read_file_bytes(fixture("spec-57287-KP193637N444141V03_sp10-161.fits.gz"));
  { std::ofstream(dir / "cut.fits.gz", std::ios::binary) << gz.substr(0, gz.size() / 2); }
  test::expect_data_error([&] { read_lamost_fits(dir / "cut.fits.gz"); },
                          (dir / "cut.fits.gz").string() + ": truncated gzip stream");
  { std::ofstream(dir / "text.fits") << "this is not FITS at all\n"; }
  test::expect_data_error([&] { read_lamost_fits(dir / "text.fits"); }, "not a readable FITS file");
  test::expect_data_error([&] { read_lamost_fits(dir / "none.fits"); }, "no such spectrum file");
  // A valid FITS file that is not a LAMOST spectrum: a 1-D image and no COADD table.
  write_lamost_fits(dir / "t.fits", ramp(50, false), LamostLayout::kCoaddTable);
  const std::string table = read_file_bytes(dir / "t.fits");
  std::string renamed = table;
  const auto at = renamed.find("COADD");
  ASSERT_NE(at, std::string::npos);
  renamed.replace(at, 5, "OTHER");
  { std::ofstream(dir / "other.fits", std::ios::binary) << renamed; }
  test::expect_data_error([&] { read_lamost_fits(dir / "other.fits"); },
                          "not a LAMOST LRS spectrum");
}

TEST(SpectrumFiles, CsvWithFluxErrorOrIvar) {
  const auto a = parse_spectrum_csv("wavelength,flux,flux_err\n4000,10,2\n4002,11,0\n", "s.csv");
  EXPECT_EQ(a.ivar, (std::vector<float>{0.25f, 0.0f}));
  const auto b = parse_spectrum_csv("wavelength,flux,ivar\n4000,10,0.5\n", "s.csv");
  EXPECT_EQ(b.ivar, (std::vector<float>{0.5f}));
  test::expect_data_error(
      [] { parse_spectrum_csv("wavelength,flux,flux_err\n4000,10,-1\n", "s.csv"); }, "s.csv:2");
  test::expect_data_error([] { parse_spectrum_csv("wavelength,flux\n4000,10\n", "s.csv"); },
                          "'ivar' or a 'flux_err'");
  std::string id;
  EXPECT_TRUE(spectrum_file_id("dir/EDR3 12.fits.gz", id));
  EXPECT_EQ(id, "EDR3 12");
  EXPECT_TRUE(spectrum_file_id("x.csv", id));
  EXPECT_EQ(id, "x");
  EXPECT_FALSE(spectrum_file_id("notes.txt", id));
}

}  // namespace
}  // namespace astrom3::ingest

// Fuzz-style robustness: every reader of imported files gets random bytes and randomly mutated
// valid inputs. Each call must either succeed or throw DataError; any other exception fails the
// test and a crash fails the test binary.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <random>

#include "astrom3/common/error.h"
#include "astrom3/ingest/astrom3_layout.h"
#include "astrom3/ingest/lamost_fits.h"
#include "astrom3/ingest/lightcurve_files.h"
#include "astrom3/ingest/spectrum_files.h"
#include "astrom3/ingest/text_table.h"
#include "astrom3/ingest/zip_archive.h"
#include "support/test_support.h"

namespace astrom3::ingest {
namespace {

constexpr int kRounds = 250;

std::string random_bytes(std::mt19937& rng, std::size_t max_length) {
  std::string s(rng() % (max_length + 1), '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

// Flips, overwrites with structural characters, inserts, deletes or truncates.
std::string mutate(std::string s, std::mt19937& rng) {
  static const char kSpecial[] = ",\"\n\r \t#.-+eE0123456789naif{}[]:";
  const int edits = 1 + static_cast<int>(rng() % 8);
  for (int e = 0; e < edits && !s.empty(); ++e) {
    const std::size_t at = rng() % s.size();
    switch (rng() % 5) {
      case 0:
        s[at] = static_cast<char>(s[at] ^ (1 << (rng() % 8)));
        break;
      case 1:
        s[at] = kSpecial[rng() % (sizeof kSpecial - 1)];
        break;
      case 2:
        s.insert(at, 1, kSpecial[rng() % (sizeof kSpecial - 1)]);
        break;
      case 3:
        s.erase(at, 1 + rng() % 16);
        break;
      default:
        s.resize(at);
        break;
    }
  }
  return s;
}

// Runs one round; returns true when the reader rejected the input with a DataError.
bool survive(const std::string& what, int round, const std::function<void()>& fn) {
  try {
    fn();
  } catch (const DataError&) {
    return true;
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << " round " << round << ": " << typeid(e).name() << ": " << e.what();
  }
  return false;
}

void fuzz_text(const std::string& what, const std::string& valid,
               const std::function<void(const std::string&)>& reader) {
  std::mt19937 rng(12345);
  reader(valid);  // the seed input itself is valid
  int rejected = 0;
  for (int i = 0; i < kRounds; ++i) {
    const std::string input = i % 3 == 0 ? random_bytes(rng, 512) : mutate(valid, rng);
    rejected += survive(what, i, [&] { reader(input); });
  }
  // Most random and mutated inputs are invalid: the readers must say so, not accept them.
  EXPECT_GT(rejected, kRounds / 10) << what;
}

TEST(Fuzz, TextReadersOnlyThrowDataErrors) {
  fuzz_text("csv", "id,a,b\n\"x,1\",1.5,2\ny,3,\n",
            [](const std::string& t) { parse_csv(t, "f"); });
  fuzz_text("asassn", "#h\n#h\n2457000.1 13.2 0.02 20.5 0.3\n2457001.1 13.3 0.02 19.5 0.25\n",
            [](const std::string& t) { parse_asassn_lightcurve(t, "f", true); });
  fuzz_text("lightcurve csv", "time,mag,mag_err,band\n1,15,0.1,V\n2,15.5,0.1,V\n",
            [](const std::string& t) { parse_lightcurve_csv(t, "f", "V"); });
  fuzz_text("spectrum csv", "wavelength,flux,flux_err\n4000,1,0.5\n4002,2,0.5\n",
            [](const std::string& t) { parse_spectrum_csv(t, "f"); });
  SplitInfo info;
  info.classes = {"EW", "EA"};
  info.meta_cols = {"mean_vmag"};
  info.photo_cols = {"period"};
  info.all_cols = {"period", "mean_vmag"};
  info.mean = {1.0, 2.0};
  info.std = {0.5, 0.25};
  fuzz_text("info.json", split_info_json(info),
            [](const std::string& t) { parse_split_info(t, "info.json"); });
}

void fuzz_file(const std::string& what, const std::string& valid, const std::filesystem::path& path,
               const std::function<void()>& reader) {
  std::mt19937 rng(777);
  int rejected = 0;
  for (int i = 0; i < kRounds; ++i) {
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << (i % 4 == 0 ? random_bytes(rng, 4096) : mutate(valid, rng));
    }
    rejected += survive(what, i, reader);
  }
  EXPECT_GT(rejected, kRounds / 10) << what;
}

TEST(Fuzz, FitsAndZipReadersOnlyThrowDataErrors) {
  test::TempDir dir;
  SpectrumData s;
  for (int i = 0; i < 3909; ++i) {
    s.wavelength.push_back(lamost_wavelength(kLamostCoeff0, kLamostCoeff1, i));
    s.flux.push_back(100.0f + i);
    s.ivar.push_back(1.0f);
  }
  for (auto layout : {LamostLayout::kImage, LamostLayout::kCoaddTable}) {
    write_lamost_fits(dir / "valid.fits", s, layout);
    const auto bytes = read_file_bytes(dir / "valid.fits");
    fuzz_file(std::string("fits ") + layout_name(layout), bytes, dir / "f.fits",
              [&] { read_lamost_fits(dir / "f.fits"); });
  }
  write_lamost_fits(dir / "valid.fits.gz", s, LamostLayout::kImage);
  fuzz_file("fits.gz", read_file_bytes(dir / "valid.fits.gz"), dir / "f.fits.gz",
            [&] { read_lamost_fits(dir / "f.fits.gz"); });

  {
    ZipWriter w(dir / "valid.zip");
    w.add("vardb_files/a.dat", "#h\n#h\n2457000.1 13.2 0.02 20.5 0.3\n");
    w.add("vardb_files/b.dat", std::string(3000, 'x'));
    w.close();
  }
  fuzz_file("zip", read_file_bytes(dir / "valid.zip"), dir / "f.zip", [&] {
    ZipReader r(dir / "f.zip");
    for (const auto& name : r.entry_names()) parse_asassn_lightcurve(r.read(name), name, false);
  });
}

}  // namespace
}  // namespace astrom3::ingest

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "astrom3/common/error.h"
#include "astrom3/ingest/lightcurve_files.h"
#include "astrom3/ingest/text_table.h"
#include "support/test_support.h"

namespace astrom3::ingest {
namespace {

TEST(Csv, QuotesCrlfBomAndBlankLines) {
  const auto t = parse_csv(
      "\xEF\xBB\xBFid,name,v\r\n\"a,1\",\"say \"\"hi\"\"\", 2.5 \r\n\r\nb,\"two\nlines\",3\n",
      "x.csv");
  ASSERT_EQ(t.header, (std::vector<std::string>{"id", "name", "v"}));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0][0], "a,1");
  EXPECT_EQ(t.rows[0][1], "say \"hi\"");
  EXPECT_EQ(t.rows[0][2], "2.5");
  EXPECT_EQ(t.rows[1][1], "two\nlines");
  EXPECT_EQ(t.lines, (std::vector<std::int64_t>{2, 4}));
  EXPECT_EQ(t.where(1), "x.csv:4");
  EXPECT_EQ(t.column("v"), 2);
  EXPECT_EQ(t.column("w"), -1);
}

TEST(Csv, StructuralErrorsNameFileAndLine) {
  test::expect_data_error([] { parse_csv("a,b\n1,2\n3\n", "f.csv"); },
                          {"f.csv:3", "expected 2 fields", "found 1"});
  test::expect_data_error([] { parse_csv("time,flux,flux_err\n1,2,0.1\n2,3,0.1,4,5\n", "f.csv"); },
                          {"f.csv:3", "expected 3 fields (as in the header), found 5"});
  test::expect_data_error([] { parse_csv("a,a\n", "f.csv"); }, {"f.csv:1", "'a' appears twice"});
  test::expect_data_error([] { parse_csv("a,b\n\"open,2\n", "f.csv"); },
                          {"f.csv:2", "unterminated"});
  test::expect_data_error([] { parse_csv("", "f.csv"); }, {"empty file"});
  test::expect_data_error([] { parse_csv("a,b\n1,2\n", "f.csv").require_column("c"); },
                          {"missing column 'c'", "a, b"});
}

TEST(Csv, NumbersEmptyAndInvalidCells) {
  const auto t = parse_csv("x,y,z\n+1e3, ,abc\n", "n.csv");
  EXPECT_EQ(csv_number(t, 0, 0, false), 1000.0);
  EXPECT_TRUE(std::isnan(csv_number(t, 0, 1, true)));
  test::expect_data_error([&] { csv_number(t, 0, 1, false); }, {"n.csv:2", "column y", "empty"});
  test::expect_data_error([&] { csv_number(t, 0, 2, true); },
                          {"n.csv:2", "column z", "'abc' is not a number"});
  double v = 0;
  EXPECT_EQ(parse_number(" -2.5 ", v), NumberParse::kOk);
  EXPECT_EQ(v, -2.5);
  EXPECT_EQ(parse_number("1.5x", v), NumberParse::kInvalid);
  EXPECT_EQ(parse_number("+", v), NumberParse::kInvalid);
  EXPECT_EQ(parse_number("1e999", v), NumberParse::kOk);
  EXPECT_TRUE(std::isinf(v));
}

TEST(Csv, FormatNumberRoundTripsExactly) {
  for (double x : {0.1, 2457000.123456789, -1e-300, 3.0, 1.0 / 3.0}) {
    double back = 0;
    ASSERT_EQ(parse_number(format_number(x), back), NumberParse::kOk);
    EXPECT_EQ(back, x);
  }
  EXPECT_EQ(format_number(3.0), "3");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("q\""), "\"q\"\"\"");
  EXPECT_EQ(csv_field("plain"), "plain");
}

TEST(WhitespaceTable, SkipsHeaderCommentsAndBlankLines) {
  const auto t = parse_whitespace_table("h1\nh2\n1 2 3\n\n# c\n 4\t5  6 7\n", "w.dat", 2, 3);
  ASSERT_EQ(t.rows(), 2);
  EXPECT_EQ(t.at(1, 2), 6.0);
  EXPECT_EQ(t.lines, (std::vector<std::int64_t>{3, 6}));
  test::expect_data_error([] { parse_whitespace_table("h\nh\n1 2\n", "w.dat", 2, 3); },
                          {"w.dat:3", "expected 3 numeric fields, found 2"});
  test::expect_data_error([] { parse_whitespace_table("h\nh\n1 x 3\n", "w.dat", 2, 3); },
                          {"w.dat:3", "field 2", "'x' is not a number"});
}

TEST(LightCurveFiles, AsassnKeepsHjdFluxAndError) {
  const std::string text =
      "#header one\n#HJD MAG MAG_ERR FLUX FLUX_ERR\n"
      "2457000.1 13.2 0.02 20.5 0.3\n2457000.9 13.3 0.02 19.5 0.25\n";
  const auto lc = parse_asassn_lightcurve(text, "a.dat", false);
  EXPECT_EQ(lc.time, (std::vector<double>{2457000.1, 2457000.9}));
  EXPECT_EQ(lc.flux, (std::vector<float>{20.5f, 19.5f}));
  EXPECT_EQ(lc.flux_err, (std::vector<float>{0.3f, 0.25f}));
  // float32 has a 0.25 d step between 2^21 and 2^22: 2457000.1 -> 2457000.0, .9 -> 2457001.0.
  const auto q = parse_asassn_lightcurve(text, "a.dat", true);
  EXPECT_EQ(q.time, (std::vector<double>{2457000.0, 2457001.0}));
  test::expect_data_error([] { parse_asassn_lightcurve("h\nh\n", "e.dat", false); },
                          {"e.dat", "empty light curve"});
  test::expect_data_error([] { parse_asassn_lightcurve("h\nh\n1 2 3 nan 5\n", "n.dat", false); },
                          {"n.dat:3", "FLUX", "non-finite"});
}

TEST(LightCurveFiles, EpochsTheSurveyCannotStoreAreRefusedWithTheirLine) {
  // Each of these imported with exit 0 and gave a survey file that inspect, pretrain and predict
  // then refused (negative error, float32 overflow) or one that predicted NaN (time span).
  const std::vector<std::pair<std::string, std::vector<std::string>>> csv_cases = {
      {"time,flux,flux_err\n1,2,0.1\n2,3,-0.1\n",
       {"x.csv:3", "flux_err", "negative uncertainty -0.1"}},
      {"time,flux,flux_err\n1,1e39,0.1\n", {"x.csv:2", "flux", "beyond the float32 range"}},
      {"time,mag,mag_err\n1,-200,0.1\n", {"x.csv:2", "mag", "beyond the float32 range"}},
      {"time,flux,flux_err\n1e308,2,0.1\n-1e308,3,0.1\n", {"x.csv", "time span", "overflows"}},
  };
  for (const auto& [text, fragments] : csv_cases) {
    for (const auto& fragment : fragments) {
      test::expect_data_error([&text = text] { parse_lightcurve_csv(text, "x.csv", ""); },
                              fragment);
    }
  }
  test::expect_data_error([] { parse_asassn_lightcurve("h\nh\n1 2 3 4 -5\n", "a.dat", false); },
                          {"a.dat:3", "FLUX_ERR", "negative uncertainty"});
}

TEST(LightCurveFiles, CsvMagnitudesBecomeMilliJansky) {
  // AB: m = 16.4 -> 3631 Jy * 10^(-6.56) = 1.00143 mJy; sigma_F = 0.4 ln10 F sigma_m.
  const auto lc = parse_lightcurve_csv("time,mag,mag_err\n10.5,16.4,0.1\n", "m.csv", "");
  ASSERT_EQ(lc.flux.size(), 1u);
  EXPECT_NEAR(lc.flux[0], 3631e3 * std::pow(10.0, -6.56), 1e-5);
  EXPECT_NEAR(lc.flux_err[0], 0.4 * std::log(10.0) * lc.flux[0] * 0.1, 1e-6);
  EXPECT_EQ(lc.time[0], 10.5);
}

TEST(LightCurveFiles, CsvBandSelection) {
  const std::string text = "time,flux,flux_err,band\n1,10,1,g\n2,20,2,V\n3,30,3,V\n";
  const auto v = parse_lightcurve_csv(text, "b.csv", "V");
  EXPECT_EQ(v.flux, (std::vector<float>{20.0f, 30.0f}));
  test::expect_data_error([&] { parse_lightcurve_csv(text, "b.csv", ""); },
                          {"several bands (V, g)"});
  test::expect_data_error([&] { parse_lightcurve_csv(text, "b.csv", "r"); },
                          {"no epochs in band r"});
  test::expect_data_error([] { parse_lightcurve_csv("time,flux,flux_err\n1,,1\n", "e.csv", ""); },
                          {"e.csv:2", "column flux", "empty value"});
  test::expect_data_error([] { parse_lightcurve_csv("time,value\n1,2\n", "c.csv", ""); },
                          {"c.csv:1", "'flux' and 'flux_err'"});
}

}  // namespace
}  // namespace astrom3::ingest

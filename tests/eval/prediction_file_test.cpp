#include "astrom3/eval/prediction_file.h"

#include <gtest/gtest.h>
#include <hdf5.h>
#include <torch/torch.h>

#include "astrom3/common/error.h"
#include "astrom3/eval/embedding_merge.h"
#include "astrom3/ingest/text_table.h"
#include "support/test_support.h"

namespace astrom3::eval {
namespace {

namespace fs = std::filesystem;

PredictionFileInfo info(int index = 0, int count = 1) {
  PredictionFileInfo i;
  i.checkpoint = "run/best";
  i.data = "/surveys/s.h5";
  i.split_set = "full_42";
  i.class_names = {"A", "B", "C"};
  i.modalities = {"photometry", "metadata"};
  i.temperature = 1.5;
  i.unknown_score_method = "mahalanobis";
  i.unknown_threshold = 0.5;
  i.shard_index = index;
  i.shard_count = count;
  i.catalogue_objects = 3;
  return i;
}

// Three objects: s1 has both modalities, s2 metadata only, s3 neither (not usable).
ClassPredictions three(std::int64_t first = 0, std::int64_t count = 3) {
  ClassPredictions p;
  p.ids = {"s1", "s,2", "s3"};
  p.labels = torch::tensor({1, -1, 0}, torch::kInt64);
  p.usable = torch::tensor({true, true, false});
  p.present = torch::tensor({{true, true, true}, {false, false, true}, {false, true, false}});
  p.logits = torch::zeros({3, 3});
  p.probabilities = torch::tensor({{0.25f, 0.5f, 0.25f}, {0.7f, 0.1f, 0.2f}, {0.0f, 0.0f, 0.0f}});
  p.ids = std::vector<std::string>(p.ids.begin() + first, p.ids.begin() + first + count);
  for (auto* t : {&p.labels, &p.usable, &p.present, &p.logits, &p.probabilities}) {
    *t = t->narrow(0, first, count);
  }
  return p;
}

// Unknown-class scores of three(): s1 below the threshold 0.5, s2 above, s3 not usable.
torch::Tensor scores(std::int64_t first = 0, std::int64_t count = 3) {
  return torch::tensor({0.25, 0.75, 9.0}, torch::kFloat64).narrow(0, first, count);
}

TEST(PredictionFile, CsvRowsHoldPredictionMarginModalitiesAndReasons) {
  test::TempDir dir;
  PredictionWriter w(dir / "p.csv", info());
  EXPECT_FALSE(fs::exists(dir / "p.csv"));  // appears only when complete
  w.append(three(), {"test", "test", ""}, scores());
  EXPECT_EQ(w.commit(), 3);
  EXPECT_EQ(ingest::read_file_bytes(dir / "p.csv"),
            "id,split,label,usable,reason,modalities,predicted,probability,margin,unknown_score,"
            "unknown,p_A,p_B,p_C\n"
            "s1,test,B,1,,photometry+metadata,B,0.5,0.25,0.25,0,0.25,0.5,0.25\n"
            "\"s,2\",test,,1,,metadata,A,0.7,0.5,0.75,1,0.7,0.1,0.2\n"
            "s3,,A,0,no photometry or metadata,,,,,,,,,\n");
  EXPECT_THROW(PredictionWriter(dir / "p.txt", info()), ConfigError);
  // A detector needs a score per object.
  PredictionWriter bad(dir / "q.csv", info());
  EXPECT_THROW(bad.append(three(), {"", "", ""}), Error);
  // Without a detector (a checkpoint that has none) the unknown columns are empty.
  auto plain = info();
  plain.unknown_score_method.clear();
  PredictionWriter v(dir / "plain.csv", plain);
  v.append(three(0, 1), {"test"});
  v.commit();
  EXPECT_EQ(ingest::read_file_bytes(dir / "plain.csv").substr(103),
            "s1,test,B,1,,photometry+metadata,B,0.5,0.25,,,0.25,0.5,0.25\n");
  // Shards without a detector (threshold NaN) merge.
  plain.catalogue_objects = 3;
  for (int i = 0; i < 2; ++i) {
    plain.shard_index = i;
    plain.shard_count = 2;
    PredictionWriter w(shard_file_path(dir / "plain.h5", i, 2), plain);
    w.append(three(i == 0 ? 0 : 1, i == 0 ? 1 : 2),
             i == 0 ? std::vector<std::string>{"test"} : std::vector<std::string>{"", ""});
    w.commit();
  }
  EXPECT_EQ(merge_prediction_files(
                {shard_file_path(dir / "plain.h5", 0, 2), shard_file_path(dir / "plain.h5", 1, 2)},
                dir / "plain-merged.csv"),
            3);
}

TEST(PredictionFile, HdfShardsMergeToTheWholeFileInEitherFormat) {
  test::TempDir dir;
  const std::vector<std::string> splits = {"train", "test", "unlabeled"};
  for (const std::string ext : {".csv", ".h5"}) {
    PredictionWriter w(dir / ("whole" + ext), info());
    w.append(three(), splits, scores());
    w.commit();
  }
  const fs::path out = dir / "p.h5";
  const auto s0 = shard_file_path(out, 0, 2), s1 = shard_file_path(out, 1, 2);
  {
    PredictionWriter w(s1, info(1, 2));  // written first: merging orders by shard index
    w.append(three(1, 2), {splits[1], splits[2]}, scores(1, 2));
    w.commit();
    PredictionWriter v(s0, info(0, 2));
    v.append(three(0, 1), {splits[0]}, scores(0, 1));
    v.commit();
  }
  // Merged to CSV: byte-identical to the CSV written whole; merged to HDF5, it merges again
  // (as one shard of one) to the same CSV.
  EXPECT_EQ(merge_prediction_files({s1, s0}, dir / "merged.csv"), 3);
  EXPECT_EQ(ingest::read_file_bytes(dir / "merged.csv"),
            ingest::read_file_bytes(dir / "whole.csv"));
  EXPECT_EQ(merge_prediction_files({s0, s1}, dir / "merged.h5"), 3);
  EXPECT_EQ(merge_prediction_files({dir / "merged.h5"}, dir / "again.csv"), 3);
  EXPECT_EQ(ingest::read_file_bytes(dir / "again.csv"), ingest::read_file_bytes(dir / "whole.csv"));

  test::expect_data_error([&] { merge_prediction_files({s0}, dir / "m.h5"); },
                          "missing shard(s) 1");
  test::expect_data_error(
      [&] {
        merge_prediction_files({s0, s0}, dir / "m.h5");
      },
      "is also given as");
  EXPECT_THROW(merge_prediction_files({s0, s1}, s0), ConfigError);  // --out is an input
  EXPECT_THROW(merge_prediction_files({dir / "whole.csv"}, dir / "m.csv"), ConfigError);
  // Shards of another checkpoint or another survey file are refused.
  for (const auto& [field, value] :
       {std::make_pair(&PredictionFileInfo::checkpoint, "other/best"),
        std::make_pair(&PredictionFileInfo::data, "/other.h5"),
        std::make_pair(&PredictionFileInfo::selection, "val"),
        std::make_pair(&PredictionFileInfo::unknown_score_method, "energy")}) {
    auto other = info(1, 2);
    other.*field = value;
    const fs::path o = dir / "o.shard-00001-of-00002.h5";
    PredictionWriter w(o, other);
    w.append(three(1, 2), {splits[1], splits[2]}, scores(1, 2));
    w.commit();
    test::expect_data_error([&] { merge_prediction_files({s0, o}, dir / "m.h5"); }, "differs");
  }
  // A class index outside the class list (a damaged shard) is refused, not read past the list.
  {
    const hid_t f = H5Fopen(s1.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    const hid_t ds = H5Dopen2(f, "predicted", H5P_DEFAULT);
    const std::int32_t bad[2] = {1000000, 0};
    ASSERT_GE(H5Dwrite(ds, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, bad), 0);
    H5Dclose(ds);
    H5Fclose(f);
  }
  test::expect_data_error(
      [&] {
        merge_prediction_files({s0, s1}, dir / "m.csv");
      },
      {"predicted", "row 0 has class 1000000, outside -1..2"});
  EXPECT_FALSE(fs::exists(dir / "m.h5"));
  EXPECT_FALSE(fs::exists(dir / "m.csv"));
}

TEST(PredictionFile, CsvQuotesReasonsThatHoldCommas) {
  test::TempDir dir;
  auto i = info();
  i.modalities = {"photometry", "spectra", "metadata"};
  PredictionWriter w(dir / "p.csv", i);
  auto p = three(2, 1);  // not usable
  w.append(p, {""}, scores(2, 1));
  w.commit();
  const auto text = ingest::read_file_bytes(dir / "p.csv");
  EXPECT_EQ(text.substr(text.find('\n') + 1),
            "s3,,A,0,\"no photometry, spectra or metadata\",,,,,,,,,\n");
}

}  // namespace
}  // namespace astrom3::eval

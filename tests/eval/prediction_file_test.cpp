#include "astrom3/eval/prediction_file.h"

#include <gtest/gtest.h>
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
  i.split_set = "full_42";
  i.class_names = {"A", "B", "C"};
  i.modalities = {"photometry", "metadata"};
  i.temperature = 1.5;
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

TEST(PredictionFile, CsvRowsHoldPredictionMarginModalitiesAndReasons) {
  test::TempDir dir;
  PredictionWriter w(dir / "p.csv", info());
  EXPECT_FALSE(fs::exists(dir / "p.csv"));  // appears only when complete
  w.append(three(), "test");
  EXPECT_EQ(w.commit(), 3);
  EXPECT_EQ(ingest::read_file_bytes(dir / "p.csv"),
            "id,split,label,usable,reason,modalities,predicted,probability,margin,p_A,p_B,p_C\n"
            "s1,test,B,1,,photometry+metadata,B,0.5,0.25,0.25,0.5,0.25\n"
            "\"s,2\",test,,1,,metadata,A,0.7,0.5,0.7,0.1,0.2\n"
            "s3,test,A,0,no photometry or metadata,,,,,,,\n");
  EXPECT_THROW(PredictionWriter(dir / "p.txt", info()), ConfigError);
}

TEST(PredictionFile, ShardsMergeToTheWholeFileInEitherFormat) {
  test::TempDir dir;
  for (const std::string ext : {".csv", ".h5"}) {
    SCOPED_TRACE(ext);
    const fs::path whole = dir / ("whole" + ext);
    {
      PredictionWriter w(whole, info());
      w.append(three(), "test");
      w.commit();
    }
    const fs::path out = dir / ("p" + ext);
    const auto s0 = shard_file_path(out, 0, 2), s1 = shard_file_path(out, 1, 2);
    {
      PredictionWriter w(s1, info(1, 2));  // written first: merging orders by shard index
      w.append(three(1, 2), "test");
      w.commit();
      PredictionWriter v(s0, info(0, 2));
      v.append(three(0, 1), "test");
      v.commit();
    }
    EXPECT_EQ(merge_prediction_files({s1, s0}, dir / ("merged" + ext)), 3);
    if (ext == ".csv") {
      EXPECT_EQ(ingest::read_file_bytes(dir / ("merged" + ext)), ingest::read_file_bytes(whole));
    } else {
      // The merged HDF5 file merges again (as one shard of one) to the same rows.
      EXPECT_EQ(merge_prediction_files({dir / ("merged" + ext)}, dir / "again.h5"), 3);
    }
    test::expect_data_error([&] { merge_prediction_files({s0}, dir / ("m" + ext)); },
                            "missing shard(s) 1");
    test::expect_data_error(
        [&] {
          merge_prediction_files({s0, s0}, dir / ("m" + ext));
        },
        "is also given as");
    EXPECT_FALSE(fs::exists(dir / ("m" + ext)));
  }
  // Shards of different runs are refused.
  auto other = info(1, 2);
  other.checkpoint = "other/best";
  {
    PredictionWriter w(dir / "o.shard-00001-of-00002.h5", other);
    w.append(three(1, 2), "test");
    w.commit();
  }
  test::expect_data_error(
      [&] {
        merge_prediction_files(
            {shard_file_path(dir / "p.h5", 0, 2), dir / "o.shard-00001-of-00002.h5"}, dir / "m.h5");
      },
      "checkpoint differs");
  test::expect_data_error([&] { merge_prediction_files({dir / "whole.csv"}, dir / "m.csv"); },
                          "not a CSV shard");
}

}  // namespace
}  // namespace astrom3::eval

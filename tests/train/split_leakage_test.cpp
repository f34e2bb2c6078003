#include "astrom3/train/split_leakage.h"

#include <gtest/gtest.h>

#include <string>

#include "astrom3/common/error.h"

namespace astrom3::train {
namespace {

TEST(SplitLeakage, TheSeedIsTheLastUnderscoreField) {
  EXPECT_EQ(split_seed("sub10_66"), "66");
  EXPECT_EQ(split_seed("my_set_123"), "123");
  EXPECT_EQ(split_seed("full"), "");
}

TEST(SplitLeakage, OnlyAnotherSeedsSplitSetIsRefusedAndTheOverrideOnlyWarns) {
  EXPECT_NO_THROW(check_split_leakage("full_42", "runs/clip/best", "sub10_42", false));
  try {
    check_split_leakage("full_42", "runs/clip/best", "sub10_66", false);
    ADD_FAILURE() << "a CLIP checkpoint of seed 42 initialised a run on seed 66";
  } catch (const ConfigError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("runs/clip/best was pre-trained on split set full_42, but fine-tuning uses "
                     "sub10_66"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("(data leakage)"), std::string::npos);
    EXPECT_NE(m.find("--allow-split-mismatch"), std::string::npos);
  }
  EXPECT_NO_THROW(check_split_leakage("full_42", "runs/clip/best", "sub10_66", true));
  // Imported weights record no split set: nothing to check against, so only a warning.
  EXPECT_NO_THROW(check_split_leakage("", "imported", "full_66", false));
}

}  // namespace
}  // namespace astrom3::train

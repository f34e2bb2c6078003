#include <gtest/gtest.h>

#include "astrom3/train/early_stopping.h"
#include "astrom3/train/lr_schedule.h"

namespace astrom3::train {
namespace {

TEST(LrSchedule, LinearWarmupFromStartFactorAsLinearLR) {
  TrainOptions o;
  o.lr = 2.0;
  o.warmup_epochs = 10;
  o.warmup_start_factor = 1e-5;
  LrSchedule s(o);
  EXPECT_DOUBLE_EQ(s.lr(0), 2.0 * 1e-5);
  EXPECT_DOUBLE_EQ(s.lr(5), 2.0 * (1e-5 + (1 - 1e-5) * 0.5));
  EXPECT_NEAR(s.lr(9), 2.0 * (1e-5 + (1 - 1e-5) * 0.9), 1e-15);
  EXPECT_DOUBLE_EQ(s.lr(10), 2.0);
  EXPECT_DOUBLE_EQ(s.lr(50), 2.0);
}

TEST(LrSchedule, PlateauReducesAfterPatienceEpochsWithoutImprovement) {
  TrainOptions o;
  o.lr = 1.0;
  o.warmup_epochs = 2;
  o.plateau_factor = 0.5;
  o.plateau_patience = 2;
  LrSchedule s(o);
  s.end_epoch(0, 100.0);  // warm-up epochs are not counted
  s.end_epoch(1, 100.0);
  const double losses[] = {5.0, 5.0, 5.0, 5.0, 4.0, 4.0, 4.0, 3.9999};
  // Hand-traced ReduceLROnPlateau(factor 0.5, patience 2, threshold 1e-4 rel):
  // epoch 2 best 5; 3,4 bad 1,2; 5 bad 3 > 2 -> lr 0.5, bad 0; 6 best 4; 7,8 bad 1,2;
  // 9: 3.9999 is not below 4 * (1 - 1e-4) -> bad 3 -> lr 0.25.
  const double want[] = {1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25};
  for (int i = 0; i < 8; ++i) {
    s.end_epoch(2 + i, losses[i]);
    EXPECT_DOUBLE_EQ(s.lr(3 + i), want[i]) << "after epoch " << 2 + i;
  }
  LrSchedule restored(o);
  restored.restore(s.state());
  EXPECT_EQ(restored.state(), s.state());
  EXPECT_DOUBLE_EQ(restored.lr(20), 0.25);
}

TEST(LrSchedule, PlateauRespectsMinLr) {
  TrainOptions o;
  o.lr = 1.0;
  o.warmup_epochs = 0;
  o.plateau_factor = 0.1;
  o.plateau_patience = 0;
  o.min_lr = 0.05;
  LrSchedule s(o);
  s.end_epoch(0, 1.0);
  s.end_epoch(1, 1.0);
  EXPECT_DOUBLE_EQ(s.lr(2), 0.1);
  s.end_epoch(2, 1.0);
  EXPECT_DOUBLE_EQ(s.lr(3), 0.05);
}

TEST(LrSchedule, CosineEndsAtMinLr) {
  TrainOptions o;
  o.lr = 1.0;
  o.min_lr = 0.1;
  o.schedule = Schedule::kCosine;
  o.epochs = 12;
  o.warmup_epochs = 2;
  LrSchedule s(o);
  EXPECT_DOUBLE_EQ(s.lr(2), 1.0);
  EXPECT_NEAR(s.lr(7), 0.55, 1e-12);  // halfway
  EXPECT_NEAR(s.lr(12), 0.1, 1e-12);
}

TEST(EarlyStopping, StopsAfterPatienceEpochsWithoutImprovement) {
  EarlyStopping e(3);
  EXPECT_FALSE(e.update(1.0));
  EXPECT_FALSE(e.update(1.0));  // not strictly lower
  EXPECT_FALSE(e.update(1.5));
  EXPECT_TRUE(e.update(1.2));
  EarlyStopping f(3);
  EXPECT_FALSE(f.update(2.0));
  EXPECT_FALSE(f.update(2.1));
  EXPECT_FALSE(f.update(1.9));  // improvement resets the count
  EXPECT_FALSE(f.update(2.0));
  EXPECT_FALSE(f.update(2.0));
  EXPECT_TRUE(f.update(2.0));
  EarlyStopping off(0);
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(off.update(1.0 + i));
}

}  // namespace
}  // namespace astrom3::train

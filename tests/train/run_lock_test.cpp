#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "astrom3/common/error.h"
#include "astrom3/train/run_lock.h"
#include "support/test_support.h"

namespace astrom3::train {
namespace {

std::string message_of_second_lock(const std::filesystem::path& dir) {
  try {
    RunLock second(dir);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(RunLock, ASecondHolderIsRefusedWithTheFirstOnesPidUntilItIsReleased) {
  test::TempDir dir;
  const auto run = dir / "nested" / "run";
  {
    RunLock first(run);
    EXPECT_TRUE(std::filesystem::exists(run / RunLock::kFileName));
    // flock(2) locks belong to the open file description, so a second lock conflicts even
    // within one process.
    const auto message = message_of_second_lock(run);
    EXPECT_NE(message.find("is in use by another astrom3 run (pid " + std::to_string(::getpid())),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("choose another --out"), std::string::npos);
  }
  EXPECT_EQ(message_of_second_lock(run), "");  // released with the first
}

TEST(RunLock, AHolderKilledWithoutCleanupLeavesNoStaleLock) {
  test::TempDir dir;
  const auto run = dir / "run";
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    RunLock held(run);
    ::_exit(0);  // no destructor runs, as after kill -9: only the kernel releases the lock
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  std::ifstream record(run / RunLock::kFileName);
  std::string line;
  std::getline(record, line);
  EXPECT_EQ(line.rfind("pid " + std::to_string(child) + " on ", 0), 0u) << line;
  EXPECT_EQ(message_of_second_lock(run), "");
}

TEST(RunLock, CrashLeftoversAreRemovedAndNothingElse) {
  test::TempDir dir;
  const auto run = dir / "run";
  std::filesystem::create_directories(run / "checkpoints" / ".epoch-0002.tmp-123456");
  std::filesystem::create_directories(run / "checkpoints" / "epoch-0001");
  std::ofstream(run / ".config.json.tmp.4242.0") << "{";
  std::ofstream(run / ".latest.tmp-99") << "";
  std::ofstream(run / "notes.tmp.txt") << "mine";
  std::ofstream(run / ".hidden") << "mine";
  RunLock lock(run);
  auto removed = remove_crash_leftovers(run);
  std::sort(removed.begin(), removed.end());
  EXPECT_EQ(removed, (std::vector<std::filesystem::path>{
                         run / ".config.json.tmp.4242.0", run / ".latest.tmp-99",
                         run / "checkpoints" / ".epoch-0002.tmp-123456"}));
  for (const char* kept : {"checkpoints/epoch-0001", "notes.tmp.txt", ".hidden", ".astrom3.lock"}) {
    EXPECT_TRUE(std::filesystem::exists(run / kept)) << kept;
  }
}

TEST(RunDirectory, OutWinsThenTheResumedRunThenTheDefault) {
  EXPECT_EQ(choose_run_dir("mine", "runs/a/checkpoints/epoch-0003", "results/pretrain"),
            std::filesystem::path("mine"));
  EXPECT_EQ(choose_run_dir("", "runs/a/checkpoints/epoch-0003", "results/pretrain"),
            std::filesystem::path("runs/a"));
  EXPECT_EQ(choose_run_dir("", "", "results/pretrain"), std::filesystem::path("results/pretrain"));
}

TEST(RunDirectory, AFreshRunIntoADirectoryHoldingARunIsRefusedAndAResumeIsNot) {
  test::TempDir dir;
  const auto run = dir / "run";
  {
    const auto lock = claim_run_dir(run, /*resuming=*/false, /*holder=*/true);
    ASSERT_NE(lock, nullptr);
    EXPECT_TRUE(std::filesystem::exists(run / RunLock::kFileName));
  }
  std::filesystem::create_directories(run / "checkpoints" / "epoch-0001");
  std::filesystem::create_directory_symlink("checkpoints/epoch-0001", run / "latest");
  try {
    claim_run_dir(run, false, true);
    ADD_FAILURE() << "a fresh run into a directory holding one was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("already holds a run; continue it with --resume"),
              std::string::npos);
  }
  EXPECT_NE(claim_run_dir(run, /*resuming=*/true, true), nullptr);
  // Other ranks neither lock nor clean, but refuse the same way.
  EXPECT_EQ(claim_run_dir(run, true, /*holder=*/false), nullptr);
  EXPECT_THROW(claim_run_dir(run, false, false), ConfigError);
}

}  // namespace
}  // namespace astrom3::train

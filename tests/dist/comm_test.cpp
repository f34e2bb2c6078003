// Multi-process checks of the c10d layer: each test starts tests/dist/dist_probe.cpp as 2 (or
// 3) Gloo ranks on 127.0.0.1 with a free port and requires every rank to pass its scenario.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

struct RankResult {
  int exit_code = -1;  // -1: killed after the deadline
  double seconds = 0;
};

// Runs `scenario` on `world` ranks and waits at most `deadline_s` for all of them.
std::vector<RankResult> run_ranks(const std::string& scenario, int world, double deadline_s) {
  const auto port = std::to_string(free_port());
  std::vector<pid_t> pids;
  for (int r = 0; r < world; ++r) {
    std::vector<std::string> env = {"RANK=" + std::to_string(r),
                                    "WORLD_SIZE=" + std::to_string(world),
                                    "LOCAL_RANK=" + std::to_string(r),
                                    "MASTER_ADDR=127.0.0.1",
                                    "MASTER_PORT=" + port,
                                    "OMP_NUM_THREADS=1"};
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string kv = *e;
      if (kv.rfind("RANK=", 0) != 0 && kv.rfind("WORLD_SIZE=", 0) != 0 &&
          kv.rfind("MASTER_", 0) != 0 && kv.rfind("SLURM_", 0) != 0) {
        env.push_back(kv);
      }
    }
    std::vector<char*> envp, argv;
    for (auto& s : env) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string program = ASTROM3_DIST_PROBE, arg = scenario;
    argv = {program.data(), arg.data(), nullptr};
    pid_t pid = 0;
    EXPECT_EQ(posix_spawn(&pid, program.c_str(), nullptr, nullptr, argv.data(), envp.data()), 0);
    pids.push_back(pid);
  }
  std::vector<RankResult> results(pids.size());
  std::vector<bool> done(pids.size(), false);
  const auto start = std::chrono::steady_clock::now();
  std::size_t left = pids.size();
  while (left > 0) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (std::size_t k = 0; k < pids.size(); ++k) {
      if (done[k]) continue;
      int status = 0;
      if (::waitpid(pids[k], &status, WNOHANG) == pids[k]) {
        done[k] = true;
        --left;
        results[k].seconds = elapsed;
        results[k].exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      } else if (elapsed > deadline_s) {
        ::kill(pids[k], SIGKILL);
        ::waitpid(pids[k], &status, 0);
        done[k] = true;
        --left;
        results[k].exit_code = -1;
        results[k].seconds = elapsed;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return results;
}

TEST(Comm, CollectivesOnTwoAndThreeRanks) {
  for (int world : {2, 3}) {
    const auto results = run_ranks("collectives", world, 120);
    for (std::size_t r = 0; r < results.size(); ++r) {
      EXPECT_EQ(results[r].exit_code, 0) << "rank " << r << " of " << world;
    }
  }
}

// The distributed contrastive loss (all-gather with gradient, local loss shares, summed
// gradients) against autograd on the global batch: loss and gradients within 1e-5.
TEST(Comm, ContrastiveGradientEqualsTheGlobalBatchGradient) {
  for (int world : {2, 3}) {
    const auto results = run_ranks("clip-grad", world, 120);
    for (std::size_t r = 0; r < results.size(); ++r) {
      EXPECT_EQ(results[r].exit_code, 0) << "rank " << r << " of " << world;
    }
  }
}

TEST(Comm, BucketedGradientReductionEqualsTheGlobalGradient) {
  const auto results = run_ranks("reducer", 2, 120);
  for (std::size_t r = 0; r < results.size(); ++r) EXPECT_EQ(results[r].exit_code, 0) << r;
}

// A rank that dies makes the survivor's next collective fail with an Error (exit 0 of the
// probe means it saw "distributed all_reduce failed") well within its 20 s timeout plus start.
TEST(Comm, ADeadRankMakesTheOthersFailInsteadOfHanging) {
  const auto results = run_ranks("die", 2, 90);
  EXPECT_EQ(results[1].exit_code, 9);
  EXPECT_EQ(results[0].exit_code, 0);
  EXPECT_LT(results[0].seconds, 60.0);
}

}  // namespace

// End-to-end tests of `nas search` across MPI ranks: the real executable under Open MPI's mpirun,
// oversubscribed on this machine. Skipped in builds without MPI.
#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "e2e_helpers.hpp"

namespace {

using namespace nas::e2e;
using namespace std::chrono_literals;

#ifdef NAS_MPIEXEC
const std::string kMpiexec = NAS_MPIEXEC;
#else
const std::string kMpiexec;
#endif

/// mpirun -np N (oversubscribed, as root where CI runs as root) followed by `args`.
std::vector<std::string> mpirun(int ranks, const std::vector<std::string>& args) {
  std::vector<std::string> out{kMpiexec, "--oversubscribe", "-np", std::to_string(ranks)};
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

/// The processes whose parent is `parent` (mpirun's ranks, when it launches them itself).
std::vector<pid_t> children(pid_t parent) {
  std::vector<pid_t> out;
  DIR* proc = opendir("/proc");
  if (!proc) return out;
  while (dirent* d = readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(d->d_name));
    if (pid <= 0) continue;
    std::ifstream stat("/proc/" + std::string(d->d_name) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');
    if (close == std::string::npos) continue;
    char state = 0;
    int ppid = 0;
    if (std::sscanf(text.c_str() + close + 1, " %c %d", &state, &ppid) == 2 && ppid == parent)
      out.push_back(pid);
  }
  closedir(proc);
  return out;
}

/// Whether `pid` is a live process (a zombie waiting for a parent that never reaps is not).
bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return false;
  char state = 0;
  return std::sscanf(text.c_str() + close + 1, " %c", &state) == 1 && state != 'Z' && state != 'X';
}

class MpiSearch : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kMpiexec.empty()) GTEST_SKIP() << "built without MPI";
    // Open MPI refuses root unless told; CI runs as root.
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    root_ = make_temp_root("nas_mpi_");
  }
  void TearDown() override {
    if (!root_.empty()) fs::remove_all(root_);
  }
  fs::path log(const std::string& name) const { return fs::path(root_) / (name + ".log"); }
  std::string root_;
};

TEST_F(MpiSearch, ThreeRanksRunEveryTrialWithCullingAcrossRanks) {
  const auto [code, out] = run_captured(
      mpirun(3, with(tiny_search(root_ + "/exp", 12, 1),
                     {"--concurrent-trials", "2", "--cull-ratio", "0.9", "--seed", "3"})),
      log("run"));
  ASSERT_EQ(code, 0) << out;
  const fs::path exp = fs::path(root_) / "exp" / only_experiment(root_ + "/exp");
  const json e = read(exp / "experiment.json");
  EXPECT_EQ(e["status"], "completed");
  ASSERT_EQ(e["workers"].size(), 2u);
  EXPECT_EQ(e["workers"][0]["rank"], 1);
  EXPECT_EQ(e["workers"][1]["rank"], 2);
  EXPECT_EQ(e["workers"][0]["slots"], 2);
  EXPECT_FALSE(e["workers"][0]["host"].get<std::string>().empty());
  const auto ts = trials(exp);
  ASSERT_EQ(ts.size(), 12u);
  std::set<int> ids;
  int culled = 0;
  for (const auto& t : ts) {
    ids.insert(t["id"].get<int>());
    EXPECT_TRUE(t["host"].is_string()) << t.dump();
    const std::string s = t["status"];
    EXPECT_TRUE(s == "completed" || s == "culled") << s;
    culled += s == "culled";
  }
  EXPECT_EQ(ids.size(), 12u);
  EXPECT_GT(culled, 0);
}

TEST_F(MpiSearch, OneWorkerWithOneSlotWritesWhatOneProcessWrites) {
  const auto args = with(tiny_search(root_ + "/one", 6, /*threads=*/1),
                         {"--concurrent-trials", "1", "--latency-exponent", "0", "--seed", "42",
                          "--cull-ratio", "0.5"});
  ASSERT_EQ(run(args), 0);
  auto mpi_args = args;
  for (auto& a : mpi_args) {
    if (a == root_ + "/one") a = root_ + "/mpi";
  }
  const auto [code, out] = run_captured(mpirun(2, mpi_args), log("mpi"));
  ASSERT_EQ(code, 0) << out;
  const auto a = trials(fs::path(root_) / "one" / only_experiment(root_ + "/one"));
  const auto b = trials(fs::path(root_) / "mpi" / only_experiment(root_ + "/mpi"));
  ASSERT_EQ(a.size(), 6u);
  ASSERT_EQ(b.size(), 6u);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i]["arch"], b[i]["arch"]) << i;
    EXPECT_EQ(a[i]["status"], b[i]["status"]) << i;
    EXPECT_EQ(a[i]["accuracy"], b[i]["accuracy"]) << i;
    ASSERT_EQ(a[i]["epochs"].size(), b[i]["epochs"].size()) << i;
    for (std::size_t k = 0; k < a[i]["epochs"].size(); ++k) {
      EXPECT_EQ(a[i]["epochs"][k]["accuracy"], b[i]["epochs"][k]["accuracy"]) << i;
      EXPECT_EQ(a[i]["epochs"][k]["threshold"], b[i]["epochs"][k]["threshold"]) << i;
    }
  }
}

TEST_F(MpiSearch, SigintToEveryRankInterruptsTheSearchAndExits130) {
  // What srun does with ^C, and what a signal to the whole job does: every rank gets SIGINT.
  const pid_t pid = spawn(mpirun(
      3, with(tiny_search(root_ + "/exp", 400, 1), {"--concurrent-trials", "2", "--seed", "1"})));
  const std::string id = wait_for_finished_trials(root_ + "/exp", 2);
  ASSERT_FALSE(id.empty());
  const auto ranks = children(pid);
  ASSERT_EQ(ranks.size(), 3u);
  const auto t0 = std::chrono::steady_clock::now();
  for (pid_t r : ranks) kill(r, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  EXPECT_LT(seconds, 20.0);
  const fs::path exp = fs::path(root_) / "exp" / id;
  EXPECT_EQ(read(exp / "experiment.json")["status"], "interrupted");
  for (const auto& t : trials(exp)) EXPECT_NE(t["status"], "running") << t["id"];
  for (pid_t r : ranks) EXPECT_FALSE(alive(r)) << "rank process " << r << " still there";
}

TEST_F(MpiSearch, SigintToMpirunLeavesAConsistentInterruptedExperiment) {
  // Open MPI's mpirun answers ^C by sending SIGTERM to every rank and SIGKILL a second later,
  // and exits 1 whatever the ranks return: the driver records everything before that.
  const pid_t pid = spawn(mpirun(
      3, with(tiny_search(root_ + "/exp", 400, 1), {"--concurrent-trials", "2", "--seed", "1"})));
  const std::string id = wait_for_finished_trials(root_ + "/exp", 2);
  ASSERT_FALSE(id.empty());
  const auto ranks = children(pid);
  EXPECT_NE(interrupt_and_wait(pid), 0);
  const fs::path exp = fs::path(root_) / "exp" / id;
  EXPECT_EQ(read(exp / "experiment.json")["status"], "interrupted");
  for (const auto& t : trials(exp)) EXPECT_NE(t["status"], "running") << t["id"];
  std::this_thread::sleep_for(500ms);
  for (pid_t r : ranks) EXPECT_FALSE(alive(r)) << "rank process " << r << " still there";
}

TEST_F(MpiSearch, AWorkerKilledWithSigkillThenResumeCompletesTheSearch) {
  const auto args =
      with(tiny_search(root_ + "/exp", 10, 1), {"--concurrent-trials", "2", "--seed", "9"});
  const pid_t pid = spawn(mpirun(3, args));
  const std::string id = wait_for_finished_trials(root_ + "/exp", 3);
  ASSERT_FALSE(id.empty());
  // The ranks in rank order are not known from outside; any rank but the driver will do, and
  // the driver is the one that holds the experiment's lock.
  auto ranks = children(pid);
  ASSERT_EQ(ranks.size(), 3u);
  std::sort(ranks.begin(), ranks.end());
  kill(ranks.back(), SIGKILL);  // the last started: a worker in practice
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_NE(status, 0);  // the launcher takes the job down
  const fs::path exp = fs::path(root_) / "exp" / id;
  const int before = count_finished(exp);
  ASSERT_LT(before, 10) << "the search finished before it could be killed";

  const auto [code, out] =
      run_captured(mpirun(3, {kNas, "search", "--resume", id, "--experiment-dir", root_ + "/exp",
                              "--log-level", "warn"}),
                   log("resume"));
  ASSERT_EQ(code, 0) << out;
  const auto ts = trials(exp);
  ASSERT_EQ(ts.size(), 10u);
  for (const auto& t : ts) {
    const std::string s = t["status"];
    EXPECT_TRUE(s == "completed" || s == "culled" || s == "failed") << s;
  }
  EXPECT_EQ(read(exp / "experiment.json")["status"], "completed");
}

/// A copy of Fashion-MNIST whose training labels are all shifted by one class.
void write_relabelled_copy(const fs::path& dir) {
  const fs::path src = "/usr/share/datasets/fashion-mnist";
  fs::create_directories(dir);
  for (const char* f :
       {"train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"})
    fs::create_symlink(src / f, dir / f);
  gzFile in = gzopen((src / "train-labels-idx1-ubyte.gz").c_str(), "rb");
  ASSERT_NE(in, nullptr);
  std::string bytes(70000, '\0');
  const int n = gzread(in, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(in);
  ASSERT_GT(n, 8);
  bytes.resize(static_cast<std::size_t>(n));
  for (std::size_t i = 8; i < bytes.size(); ++i) bytes[i] = static_cast<char>((bytes[i] + 1) % 10);
  std::ofstream(dir / "train-labels-idx1-ubyte", std::ios::binary) << bytes;
}

TEST_F(MpiSearch, AWorkerWithOtherDataIsRefusedAndNothingIsCreated) {
  if (!fs::exists("/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "no Fashion-MNIST";
  write_relabelled_copy(fs::path(root_) / "relabelled");
  const std::vector<std::string> search{kNas,
                                        "search",
                                        "--dataset",
                                        "fashion-mnist",
                                        "--train-subset",
                                        "200",
                                        "--eval-subset",
                                        "100",
                                        "--n-trials",
                                        "2",
                                        "--max-population",
                                        "2",
                                        "--sample-size",
                                        "1",
                                        "--threads",
                                        "1",
                                        "--experiment-dir",
                                        root_ + "/exp",
                                        "--seed",
                                        "5"};
  // MPMD: ranks 0 and 1 read the real files, rank 2 the relabelled copy.
  auto args = mpirun(2, search);
  args.push_back(":");
  args.insert(args.end(), {"-np", "1"});
  args.insert(args.end(), search.begin(), search.end());
  args.insert(args.end(), {"--data-dir", root_ + "/relabelled"});
  const auto [code, out] = run_captured(args, log("refused"));
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("rank 2"), std::string::npos) << out;
  EXPECT_NE(out.find("holds other data than rank 1"), std::string::npos) << out;
  EXPECT_NE(out.find("training labels"), std::string::npos) << out;
  EXPECT_TRUE(!fs::exists(root_ + "/exp") || fs::is_empty(root_ + "/exp"));
}

TEST_F(MpiSearch, ExperimentIdStartsTheSearchOnceAndResumesItAfter) {
  const auto args =
      with(tiny_search(root_ + "/exp", 4, 1),
           {"--experiment-id", "nightly-1", "--seed", "2", "--concurrent-trials", "1"});
  auto [code, out] = run_captured(mpirun(2, args), log("first"));
  ASSERT_EQ(code, 0) << out;
  const fs::path exp = fs::path(root_) / "exp" / "nightly-1";
  ASSERT_TRUE(fs::exists(exp / "experiment.json"));
  EXPECT_EQ(trials(exp).size(), 4u);
  // Resubmitted (a Slurm requeue): the same command finds the experiment and finishes at once.
  std::tie(code, out) = run_captured(mpirun(2, args), log("again"));
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(trials(exp).size(), 4u);
  EXPECT_EQ(read(exp / "experiment.json")["status"], "completed");
  // One process too.
  EXPECT_EQ(run(with(tiny_search(root_ + "/exp", 4, 1), {"--experiment-id", "../escape"})), 2);
}

}  // namespace

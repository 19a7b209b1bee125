// The executables as a user runs them: exit codes (0 ok, 2 bad usage or input) and the one-line
// messages on bad input. NAS_BIN_DIR is the build folder holding nas and nas-test-model.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "nas/core/common/random.hpp"
#include "nas/core/search/network_plan.hpp"
#include "nas/core/search/search_space.hpp"
#include "nas/torch/gpu_runtime.hpp"

namespace fs = std::filesystem;

namespace nas {
namespace {

const std::string kBin = NAS_BIN_DIR;

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

/// A fresh folder per test, removed at the end.
class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("nas-cli-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  /// Runs `exe args` with stdout and stderr captured into files of the test folder. The
  /// environment variables that could point elsewhere are cleared; a hang is killed after four
  /// minutes (exit code 124).
  Result run(const std::string& exe, const std::string& args) const {
    const fs::path out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
    const std::string cmd = "timeout -k 10 240 env -u NAS_EXPERIMENT_DIR " +
                            quote(kBin + "/" + exe) + " " + args + " >" + quote(out.string()) +
                            " 2>" + quote(err.string()) + " </dev/null";
    const int status = std::system(cmd.c_str());
    Result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }

  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name)) << text;
    return path(name);
  }

  /// Every choice at its smallest candidate: the fastest network to run.
  std::string write_small_arch(const std::string& name = "small.json") const {
    SearchSpace space;
    Architecture a;
    for (const auto& c : space.choices())
      a.set(c.label, *std::min_element(c.candidates.begin(), c.candidates.end()));
    return write(name, a.to_json().dump(2));
  }

  /// The original's parameter.cfg of the smallest network: NNI 2.7's 54 labels, SE as strings.
  std::string write_nni27_cfg(const std::string& dir, bool mixed = false) const {
    nlohmann::json mutation = nlohmann::json::object();
    const SearchSpace space({}, LabelSet::kNni27);
    for (const auto& d : space.draws()) {
      const int v = *std::min_element(d.candidates.begin(), d.candidates.end());
      if (d.label.rfind("se_", 0) == 0) {
        mutation[d.label] = std::to_string(v);
      } else {
        mutation[d.label] = v;
      }
    }
    if (mixed) mutation["depth_3"] = 1;
    fs::create_directories(path(dir));
    return write(
        dir + "/parameter.cfg",
        nlohmann::json{{"parameter_id", 0}, {"parameters", {{"mutation", mutation}}}}.dump());
  }

  std::string experiments() const { return "--experiment-dir " + quote(path("experiments")); }

  fs::path dir_;
};

/// One line on stderr, starting with "<program>: error:", that contains `needle`.
void expect_one_line_error(const Result& r, const std::string& program, const std::string& needle) {
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.rfind(program + ": error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.back(), '\n');
  EXPECT_NE(r.err.find(needle), std::string::npos)
      << "'" << r.err << "' does not mention " << needle;
}

// ---- nas arch --------------------------------------------------------------------------------

TEST_F(CliTest, InstalledProgramsRunFromAnotherFolderWithoutLibraryPaths) {
  // What setup.sh does last: the programs copied out of the build must still find their
  // LibTorch (a venv's torch/lib for the pip build) with no LD_LIBRARY_PATH, from any folder.
  const std::string prefix = path("prefix");
  const std::string install = "cmake --install " + quote(kBin) + " --prefix " + quote(prefix) +
                              " >" + quote(path("install.txt")) + " 2>&1";
  ASSERT_EQ(std::system(install.c_str()), 0) << slurp(path("install.txt"));
  fs::create_directories(path("elsewhere"));
  for (const char* program : {"nas", "nas-report", "nas-test-model"}) {
    const std::string cmd =
        "cd " + quote(path("elsewhere")) + " && timeout -k 10 120 env -u LD_LIBRARY_PATH " +
        quote(prefix + "/bin/" + program) + " --version >" + quote(path("version.txt")) + " 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << program << ": " << slurp(path("version.txt"));
    EXPECT_NE(slurp(path("version.txt")).find(std::string(program) + " "), std::string::npos)
        << slurp(path("version.txt"));
  }
}

TEST_F(CliTest, EmptyValuesAreRefusedNotReadAsZeroOrAsAbsent) {
  // --resume '' used to start a new 250-trial search; --lr '' read as 0.
  for (const std::string args : std::vector<std::string>{
           "search --resume '' --experiment-dir " + path("e"), "search --lr '' --dataset synthetic",
           "search --epochs '' --dataset synthetic", "search --data-dir '' --dataset synthetic"}) {
    const Result r = run("nas", args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.err;
    EXPECT_NE(r.err.find("empty value"), std::string::npos) << args << "\n" << r.err;
  }
  EXPECT_FALSE(fs::exists(path("e")));
  EXPECT_EQ(run("nas-test-model", "--epochs '' x").code, 2);
  EXPECT_EQ(run("nas-report", "''").code, 2);
}

TEST_F(CliTest, FlagsThatWouldOverflowOrCannotTrainAreUsageErrors) {
  const std::string arch = write_small_arch();
  const Result big = run("nas", "arch " + arch + " --input 3000000,1000000,1000000");
  EXPECT_EQ(big.code, 2) << big.err;
  EXPECT_NE(big.err.find("--input"), std::string::npos) << big.err;
  for (const std::string flags :
       {"--lr inf", "--lr 1e309", "--latency-exponent inf", "--batch-size 1", "--threads 100000"}) {
    const Result r =
        run("nas", "search --dataset synthetic --experiment-dir " + path("x") + " " + flags);
    EXPECT_EQ(r.code, 2) << flags << "\n" << r.err;
  }
  EXPECT_FALSE(fs::exists(path("x")) && !fs::is_empty(path("x")));
}

TEST_F(CliTest, ArchMissingFileExits2NamingIt) {
  const std::string missing = path("missing.json");
  const Result r = run("nas", "arch " + quote(missing));
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas", missing);
  EXPECT_TRUE(r.out.empty());
}

TEST_F(CliTest, ArchInvalidJsonExits2) {
  const std::string f = write("bad.json", "{\"width_0\": 8,,\n");
  const Result r = run("nas", "arch " + quote(f));
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas", "invalid JSON");
  EXPECT_NE(r.err.find(f), std::string::npos);
}

TEST_F(CliTest, ArchUnknownLabelExits2NamingTheLabel) {
  SearchSpace space;
  Rng rng(1);
  nlohmann::json j = space.sample(rng).to_json();
  j["bogus_label"] = 1;
  const Result r = run("nas", "arch " + quote(write("unknown.json", j.dump())));
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas", "bogus_label");
}

TEST_F(CliTest, ArchValueOutsideCandidatesExits2NamingTheLabel) {
  SearchSpace space;
  Rng rng(1);
  nlohmann::json j = space.sample(rng).to_json();
  j["ks_0"] = 4;
  const Result r = run("nas", "arch " + quote(write("value.json", j.dump())));
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas", "ks_0");
}

TEST_F(CliTest, ArchRandomInNni27SpacePrintsTheOriginals54Labels) {
  const Result r = run("nas", "arch --random --seed 3 --space nni-2.7");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json arch = nlohmann::json::parse(r.out);
  EXPECT_EQ(arch.size(), 54u) << r.out;
  EXPECT_TRUE(arch.contains("se_10"));
  EXPECT_FALSE(arch.contains("depth_3"));
  const Result d = run("nas", "arch " + quote(write("a54.json", r.out)) + " --json");
  ASSERT_EQ(d.code, 0) << d.err;
  EXPECT_EQ(nlohmann::json::parse(d.out)["labels"], "nni-2.7");
  const Result bad = run("nas", "arch --random --space nni-2.8");
  EXPECT_EQ(bad.code, 2);
  expect_one_line_error(bad, "nas", "nni-2.7");
  const Result without_random =
      run("nas", "arch " + quote(write_small_arch()) + " --space nni-2.7");
  EXPECT_EQ(without_random.code, 2);
  expect_one_line_error(without_random, "nas", "--space goes with --random");
}

TEST_F(CliTest, ArchRandomPrintsJsonThatArchJsonAccepts) {
  const Result r = run("nas", "arch --random --seed 3");
  ASSERT_EQ(r.code, 0) << r.err;
  nlohmann::json arch;
  ASSERT_NO_THROW(arch = nlohmann::json::parse(r.out)) << r.out;
  ASSERT_TRUE(arch.is_object());
  EXPECT_EQ(arch.size(), 66u);
  SearchSpace space;
  EXPECT_NO_THROW(space.validate(Architecture::from_json(arch)));
  // Seeded: the same seed prints the same architecture, another seed another.
  EXPECT_EQ(run("nas", "arch --random --seed 3").out, r.out);
  EXPECT_NE(run("nas", "arch --random --seed 4").out, r.out);

  const std::string f = write("random.json", r.out);
  const Result d = run("nas", "arch " + quote(f) + " --json --dataset cifar10");
  ASSERT_EQ(d.code, 0) << d.err;
  nlohmann::json info;
  ASSERT_NO_THROW(info = nlohmann::json::parse(d.out)) << d.out;
  ASSERT_TRUE(info.contains("params"));
  ASSERT_TRUE(info.contains("macs"));
  ASSERT_TRUE(info.contains("arch_key"));
  const Architecture a = Architecture::from_json(arch);
  const NetworkPlan plan = plan_network(a, InputShape{3, 32, 32}, 10, space);
  EXPECT_EQ(info["params"].get<std::int64_t>(), count_params(plan));
  EXPECT_EQ(info["macs"].get<std::int64_t>(), count_macs(plan));
  EXPECT_EQ(info["arch_key"].get<std::string>(), space.canonical_key(a));
}

TEST_F(CliTest, ArchReadsTheOriginalsParameterCfgAndSaysItWasExpanded) {
  const std::string cfg = write_nni27_cfg("nni-trial");
  Result r = run("nas", "arch " + quote(cfg) + " --input 3,32,32 --classes 10");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("NNI 2.7 54-label architecture, expanded"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("188,490"), std::string::npos) << r.out;  // the smallest network
  r = run("nas", "arch " + quote(cfg) + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out).at("labels"), "nni-2.7");
}

TEST_F(CliTest, ArchRefusesAMixtureOfTheTwoLabelSets) {
  const Result r = run("nas", "arch " + quote(write_nni27_cfg("mixed", /*mixed=*/true)));
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas", "'depth_3'");
}

TEST_F(CliTest, TestModelRetrainsAnNniTrialDirectoryOfTheOriginal) {
  write_nni27_cfg("nni-trial");
  const Result r = run("nas-test-model", quote(path("nni-trial")) +
                                             " --dataset synthetic --train-subset 64 "
                                             "--eval-subset 32 --epochs 1 --threads 1 --seed 1 "
                                             "--latency-batch 8 --log-level warn");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("NNI 2.7 54-label architecture, expanded"), std::string::npos) << r.out;
  // Each retrain gets a folder of its own under the trial's retrain/.
  ASSERT_TRUE(fs::is_directory(path("nni-trial/retrain")));
  const fs::path run = fs::directory_iterator(path("nni-trial/retrain"))->path();
  const nlohmann::json j = nlohmann::json::parse(slurp(run / "retrain.json"));
  EXPECT_EQ(j.at("params"), 188490);
  EXPECT_EQ(j.at("arch").size(), 66u);
  EXPECT_NE(r.out.find("writing to " + run.string()), std::string::npos) << r.out;
}

TEST_F(CliTest, ArchTablePrintsTheFigures) {
  const Result r =
      run("nas", "arch " + quote(write_small_arch()) + " --input 3,32,32 --classes 10");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("188,490 (188.5k)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("336,768 (336.8k)"), std::string::npos) << r.out;
}

TEST_F(CliTest, ArchReadsATrialFolderWithItsExperimentsShape) {
  // A trial of a search on a 1x28x28 data set with 10 classes.
  const fs::path exp = path("experiments/e1");
  fs::create_directories(exp / "trials" / "3");
  nlohmann::json e = nlohmann::json::parse(R"({"format": "nas-experiment/1", "id": "e1",
      "name": null, "created": "2026-11-28T00:00:00Z", "finished": null, "status": "completed",
      "error": null, "seed": 1, "options": {}, "devices": ["cpu"],
      "versions": {"nas": "0.1.0", "libtorch": "1.13.0"}, "search_seconds": null,
      "dataset": {"name": "fashion-mnist", "dir": null, "split": "validation",
                  "train_size": 54000, "eval_size": 6000, "shape": [1, 28, 28], "classes": 10}})");
  std::ofstream(exp / "experiment.json") << e.dump();
  nlohmann::json t = {{"arch", nlohmann::json::parse(slurp(write_small_arch()))}};
  std::ofstream(exp / "trials" / "3" / "trial.json") << t.dump();
  Result r = run("nas", "arch " + quote((exp / "trials" / "3").string()));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("input     1x28x28"), std::string::npos) << r.out;
  // A folder with neither trial.json nor parameter.cfg.
  fs::create_directories(path("empty"));
  r = run("nas", "arch " + quote(path("empty")));
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas", "is a directory without trial.json or parameter.cfg");
}

TEST_F(CliTest, CommandLineHelpsWithMistakesVersionsAndNoArguments) {
  Result r = run("nas", "");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("nas-report"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nas-test-model"), std::string::npos) << r.out;
  r = run("nas", "search --epoch 3");
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas", "did you mean --epochs?");
  r = run("nas", "serch");
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas", "did you mean search?");
  r = run("nas-report", "--frist 10");
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas-report", "did you mean --first?");
  for (const char* program : {"nas", "nas-report", "nas-test-model"}) {
    r = run(program, "--version");
    EXPECT_EQ(r.code, 0) << program;
    EXPECT_NE(r.out.find("(LibTorch "), std::string::npos) << program << ": " << r.out;
    EXPECT_NE(r.out.find(built_with_cuda() ? "CUDA " : "CPU only"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("MPI "), std::string::npos) << r.out;
  }
  // The LibTorch programs say which CUDA their LibTorch has and whether they see a GPU.
  if (built_with_cuda()) {
    r = run("nas", "--version");
    EXPECT_NE(r.out.find("CUDA " + libtorch_cuda_version().value_or("?") + " ("), std::string::npos)
        << r.out;
    if (torch::cuda::device_count() == 0)
      EXPECT_NE(r.out.find("(no GPU visible)"), std::string::npos) << r.out;
  }
  r = run("nas", "search --help");
  EXPECT_EQ(r.code, 0);
  for (const char* needle :
       {"Search:", "Data:", "Training recipe and metric:", "Devices:", "Experiment and output:",
        "Examples:", "--n-trials N", "--data-dir DIR"}) {
    EXPECT_NE(r.out.find(needle), std::string::npos) << needle;
  }
  EXPECT_EQ(r.out.find("INT:"), std::string::npos) << r.out;
  // Messages name the flags as typed, and what --quick chose.
  r = run("nas", "search --quick --n-trials 4 " + experiments());
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas", "--max-population 6 must not exceed --n-trials 4 (--quick set");
}

TEST_F(CliTest, ArchWithoutFileOrWithBadFlagExits2) {
  Result r = run("nas", "arch");
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas", "file");
  r = run("nas", "arch --bogus-flag");
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas", "--bogus-flag");
  r = run("nas", "arch " + quote(write_small_arch()) + " --input 3,x,32");
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas", "--input");
  r = run("nas", "nope");
  EXPECT_EQ(r.code, 2);
}

// ---- nas bench -------------------------------------------------------------------------------

TEST_F(CliTest, BenchJsonOnATinyArchitecture) {
  // The architecture as the argument, like nas arch (--arch works too, below).
  const Result r = run("nas", "bench " + quote(write_small_arch()) +
                                  " --batches 2 --batch-size 8 --threads 1 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(r.out)) << r.out;
  for (const char* key : {"train_images_per_s", "eval_images_per_s", "latency_ms"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_GT(j[key].get<double>(), 0.0) << key;
  }
  EXPECT_EQ(j["latency"]["samples"].size(), 10u);
  EXPECT_LE(j["latency"]["min"].get<double>(), j["latency"]["max"].get<double>());
  EXPECT_TRUE(j["latency_loaded"].is_null());
  EXPECT_TRUE(j["peak_memory_mib"].is_null());  // CPU
}

TEST_F(CliTest, BenchTimesLatencyAgainUnderBackgroundTraining) {
  const Result r = run("nas", "bench --arch " + quote(write_small_arch()) +
                                  " --batches 2 --batch-size 8 --latency-batch 8 --threads 1 "
                                  "--background 2 --deterministic --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["background"], 2);
  ASSERT_TRUE(j["latency_loaded"].is_object()) << r.out;
  EXPECT_EQ(j["latency_loaded"]["samples"].size(), 10u);
  EXPECT_GT(j["latency_loaded"]["median"].get<double>(), 0.0);
}

TEST_F(CliTest, BenchBadInputExits2) {
  Result r = run("nas", "bench --batches 2");  // the architecture is required
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas", "architecture file is required");
  r = run("nas", "bench --arch " + quote(write_small_arch()) + " --batches 0");
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas", "--batches");
  r = run("nas", "bench --arch " + quote(path("missing.json")));
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas", "missing.json");
  r = run("nas", "bench --arch " + quote(write_small_arch()) + " --dataset nope");
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas", "nope");
}

// ---- nas search usage errors -----------------------------------------------------------------

void expect_search_usage_error(const Result& r, const std::string& needle) {
  EXPECT_EQ(r.code, 2) << r.err;
  expect_one_line_error(r, "nas", needle);
}

TEST_F(CliTest, SearchCullRatioOutOfRange) {
  const Result r = run("nas", "search --cull-ratio 1.5 " + experiments());
  expect_search_usage_error(r, "--cull-ratio");
  EXPECT_FALSE(fs::exists(path("experiments")) && !fs::is_empty(path("experiments")));
}

TEST_F(CliTest, SearchSampleSizeAbovePopulation) {
  expect_search_usage_error(run("nas", "search --sample-size 40 " + experiments()),
                            "--sample-size 40 must be smaller than --max-population 30");
}

TEST_F(CliTest, SearchPopulationAboveTrials) {
  expect_search_usage_error(run("nas", "search --max-population 50 --n-trials 10 " + experiments()),
                            "--max-population 50 must not exceed --n-trials 10");
}

TEST_F(CliTest, SearchZeroEpochs) {
  expect_search_usage_error(run("nas", "search --epochs 0 " + experiments()), "--epochs");
}

TEST_F(CliTest, SearchUnknownDataSet) {
  const Result r = run("nas", "search --dataset nope " + experiments());
  expect_search_usage_error(r, "nope");
  EXPECT_NE(r.err.find("fashion-mnist"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("experiments")) && !fs::is_empty(path("experiments")));
}

TEST_F(CliTest, SearchResumeUnknownIdListsExperiments) {
  Result r = run("nas", "search --resume unknown-id " + experiments());
  expect_search_usage_error(r, "unknown-id");
  fs::create_directories(path("experiments/exp-one"));
  write("experiments/exp-one/experiment.json", "{}");
  r = run("nas", "search --resume unknown-id " + experiments());
  expect_search_usage_error(r, "unknown-id");
  EXPECT_NE(r.err.find("exp-one"), std::string::npos) << r.err;
}

TEST_F(CliTest, SearchBadFlagExits2) {
  const Result r = run("nas", "search --no-such-flag " + experiments());
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas", "--no-such-flag");
}

// ---- nas-test-model --------------------------------------------------------------------------

TEST_F(CliTest, TestModelMissingPathExits2) {
  const std::string missing = path("no-such-trial");
  const Result r = run("nas-test-model", quote(missing));
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas-test-model", missing);
}

TEST_F(CliTest, TestModelDirectoryWithoutArchitectureExits2) {
  fs::create_directories(path("empty-trial"));
  const Result r = run("nas-test-model", quote(path("empty-trial")));
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas-test-model", "empty-trial");
}

// NNI 2.7 tied stage 3's depth to stage 1's: a network with them apart has no 54-label form, so
// no fixed_arch.json is written (its state dict still is).
TEST_F(CliTest, TestModelWritesNoFixedArchWhenNni27CannotBuildTheNetwork) {
  SearchSpace space;
  Architecture a;
  for (const auto& c : space.choices())
    a.set(c.label, *std::min_element(c.candidates.begin(), c.candidates.end()));
  a.set("depth_3", 2);
  const std::string out = path("untied");
  const Result r = run("nas-test-model", quote(write("untied.json", a.to_json().dump())) +
                                             " --dataset synthetic --train-subset 200 "
                                             "--eval-subset 50 --epochs 1 --threads 1 --seed 1 "
                                             "--latency-batch 8 --log-level warn --out " +
                                             quote(out));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::exists(out + "/model_state_dict.pt"));
  EXPECT_FALSE(fs::exists(out + "/fixed_arch.json"));
}

TEST_F(CliTest, TestModelTrainsAndWritesRetrainJsonAndWeights) {
  const std::string out = path("out");
  const Result r =
      run("nas-test-model", quote(write_small_arch()) +
                                " --dataset synthetic --train-subset 200 --eval-subset 50"
                                " --epochs 1 --threads 1 --seed 1 --latency-batch 8"
                                " --log-level warn --out " +
                                quote(out));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("epoch"), std::string::npos) << r.out;
  ASSERT_TRUE(fs::exists(out + "/retrain.json"));
  EXPECT_TRUE(fs::exists(out + "/model.pt"));
  EXPECT_GT(fs::file_size(out + "/model.pt"), 0u);
  // The state dict for Python is a zip archive, as torch.save writes.
  ASSERT_TRUE(fs::exists(out + "/model_state_dict.pt"));
  const std::string state_dict = slurp(out + "/model_state_dict.pt");
  EXPECT_EQ(state_dict.substr(0, 2), "PK");
  // Under the original network's names (NNI 2.7), which the archive's pickle holds as text.
  EXPECT_NE(state_dict.find("blocks.0.0.weight"), std::string::npos);
  EXPECT_NE(state_dict.find("classifier.1.bias"), std::string::npos);
  EXPECT_EQ(state_dict.find("stem.conv.weight"), std::string::npos);
  // And the 54-label dict that builds that network under NNI 2.7's fixed_arch.
  const std::string fixed_arch = slurp(out + "/fixed_arch.json");
  EXPECT_NE(fixed_arch.find("\"se_10\""), std::string::npos) << fixed_arch;
  EXPECT_EQ(fixed_arch.find("\"depth_3\""), std::string::npos) << fixed_arch;
  EXPECT_TRUE(fs::exists(out + "/checkpoint.pt"));
  EXPECT_NE(r.out.find("wrote " + out + "/retrain.json"), std::string::npos) << r.out;
  // A second retrain into the same --out is refused: nothing is replaced.
  const Result again = run("nas-test-model", quote(write_small_arch()) +
                                                 " --dataset synthetic --train-subset 200 "
                                                 "--epochs 1 --threads 1 --out " +
                                                 quote(out));
  EXPECT_EQ(again.code, 2);
  expect_one_line_error(again, "nas-test-model", "already holds a retrain");
  const nlohmann::json j = nlohmann::json::parse(slurp(out + "/retrain.json"));
  EXPECT_EQ(j.at("status"), "completed");
  ASSERT_TRUE(j.at("epochs").is_array());
  EXPECT_EQ(j.at("epochs").size(), 1u);
  EXPECT_EQ(j.at("params"), 188490);
  EXPECT_TRUE(j.at("accuracy").is_number());
}

TEST_F(CliTest, TestModelKeepsEveryRetrainAndEvaluatesSavedWeights) {
  const std::string arch = write_small_arch();
  const std::string flags =
      " --dataset synthetic --train-subset 128 --eval-subset 64 --epochs 1 --threads 1 --seed 3 "
      "--latency-batch 8 --log-level warn";
  ASSERT_EQ(run("nas-test-model", quote(arch) + flags).code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // another second, another name
  ASSERT_EQ(run("nas-test-model", quote(arch) + flags).code, 0);
  std::vector<fs::path> runs;
  for (const auto& d : fs::directory_iterator(path("retrain"))) runs.push_back(d.path());
  ASSERT_EQ(runs.size(), 2u);
  std::sort(runs.begin(), runs.end());
  const nlohmann::json first = nlohmann::json::parse(slurp(runs[0] / "retrain.json"));
  // --epochs 0 --weights: the saved model evaluated again, the same accuracy.
  const Result eval =
      run("nas-test-model", quote(arch) +
                                " --dataset synthetic --train-subset 128 --eval-subset 64 "
                                "--epochs 0 --threads 1 --seed 3 --latency-batch 8 "
                                "--log-level warn --weights " +
                                quote((runs[0] / "model.pt").string()) + " --out " +
                                quote(path("eval")));
  ASSERT_EQ(eval.code, 0) << eval.err;
  const nlohmann::json e = nlohmann::json::parse(slurp(path("eval") + "/retrain.json"));
  EXPECT_EQ(e.at("status"), "completed");
  EXPECT_EQ(e.at("accuracy"), first.at("accuracy"));
  EXPECT_TRUE(e.at("latency_ms").is_number());
  EXPECT_EQ(e.at("options").at("weights"), (runs[0] / "model.pt").string());
}

TEST_F(CliTest, TestModelInterruptedThenResumedEqualsAnUninterruptedRun) {
  const std::string arch = write_small_arch();
  const std::string flags =
      " --dataset synthetic --train-subset 512 --eval-subset 64 --epochs 4 --threads 1 --seed 4 "
      "--latency-batch 8 --log-level warn --out ";
  ASSERT_EQ(run("nas-test-model", quote(arch) + flags + quote(path("whole"))).code, 0);
  const std::string cut = path("cut");
  const std::string cmd = "exec " + quote(kBin + "/nas-test-model") + " " + quote(arch) + flags +
                          quote(cut) + " >/dev/null 2>&1";
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Once an epoch is recorded, ^C.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      if (nlohmann::json::parse(slurp(cut + "/retrain.json")).at("epochs").size() >= 1) break;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 130);
  nlohmann::json j = nlohmann::json::parse(slurp(cut + "/retrain.json"));
  EXPECT_EQ(j.at("status"), "interrupted");
  ASSERT_LT(j.at("epochs").size(), 4u) << "finished before the interrupt";
  const Result resumed = run("nas-test-model", "--resume " + quote(cut) + " --log-level warn");
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("resuming"), std::string::npos) << resumed.out;
  j = nlohmann::json::parse(slurp(cut + "/retrain.json"));
  const nlohmann::json whole = nlohmann::json::parse(slurp(path("whole") + "/retrain.json"));
  EXPECT_EQ(j.at("status"), "completed");
  ASSERT_EQ(j.at("epochs").size(), 4u);
  for (int e = 0; e < 4; ++e) {
    EXPECT_EQ(j["epochs"][e]["train_loss"], whole["epochs"][e]["train_loss"]) << e;
    EXPECT_EQ(j["epochs"][e]["accuracy"], whole["epochs"][e]["accuracy"]) << e;
  }
  // A completed retrain has nothing to resume.
  EXPECT_EQ(run("nas-test-model", "--resume " + quote(cut)).code, 2);
}

TEST_F(CliTest, TestModelBadFlagsExit2) {
  Result r = run("nas-test-model", quote(write_small_arch()) + " --epochs 0");
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas-test-model", "--weights");
  r = run("nas-test-model", "");
  EXPECT_EQ(r.code, 2);
  r = run("nas-test-model",
          quote(write_small_arch()) + " --dataset nope --out " + quote(path("o")));
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas-test-model", "nope");
}

// ---- help ------------------------------------------------------------------------------------

TEST_F(CliTest, HelpExits0AndDocumentsTheFlags) {
  Result r = run("nas", "--help");
  EXPECT_EQ(r.code, 0);
  for (const char* s : {"arch", "bench", "search"})
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
  r = run("nas", "search --help");
  EXPECT_EQ(r.code, 0);
  for (const char* s : {"--cull-ratio", "--max-population", "--sample-size", "--n-trials",
                        "--epochs", "--experiment-dir", "--resume", "--seed"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
  }
  r = run("nas", "arch --help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("--random"), std::string::npos);
  r = run("nas", "bench --help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("--batches"), std::string::npos);
  r = run("nas-test-model", "--help");
  EXPECT_EQ(r.code, 0);
  for (const char* s :
       {"--epochs", "--out", "--dataset", "--data-dir", "--train-subset", "--seed"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
  }
}

// Value names read as words (N, X, DIR, ID), never CLI11's "INT:INT in [1 - 65535]".
TEST_F(CliTest, HelpNamesValuesPlainly) {
  const std::vector<std::pair<std::string, std::string>> programs = {{"nas", "search --help"},
                                                                     {"nas", "arch --help"},
                                                                     {"nas", "bench --help"},
                                                                     {"nas-report", "--help"},
                                                                     {"nas-test-model", "--help"}};
  for (const auto& [program, args] : programs) {
    const Result r = run(program, args);
    EXPECT_EQ(r.code, 0) << program << " " << args;
    for (const char* raw : {"INT", "FLOAT", "UINT", "TEXT:", ":{"}) {
      EXPECT_EQ(r.out.find(raw), std::string::npos) << program << " " << args << ": " << raw;
    }
  }
  const Result report = run("nas-report", "--help");
  for (const char* s : {"--port N=8080", "--top N=10", "--experiment-dir DIR", "--csv FILE",
                        "--log-level LEVEL=info", "--reference ID"}) {
    EXPECT_NE(report.out.find(s), std::string::npos) << s << "\n" << report.out;
  }
  const Result test_model = run("nas-test-model", "--help");
  for (const char* s : {"--lr X=0.001", "--epochs N=50", "--out DIR", "--weights FILE"}) {
    EXPECT_NE(test_model.out.find(s), std::string::npos) << s << "\n" << test_model.out;
  }
}

}  // namespace
}  // namespace nas

// What the three programs share, run as a user runs them: installed copies, empty and
// overflowing values, help, versions and suggestions. The other cli_*_test.cpp files take one
// command each.
#include "cli/cli.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "cli_fixture.hpp"
#include "nas/torch/gpu_runtime.hpp"

namespace nas {
namespace {

TEST_F(CliTest, ABadValueReadsTheSameInEveryProgram) {
  const std::pair<const char*, const char*> cases[] = {
      {"nas", "search --epochs abc"},       {"nas", "search --cull-ratio x"},
      {"nas", "search --epochs 1.5"},       {"nas", "bench x --batches abc"},
      {"nas-test-model", "x --epochs abc"}, {"nas-test-model", "x --epochs -1"},
      {"nas-report", "--top abc"},          {"nas-report", "--port 0 --serve"}};
  const std::regex plain(R"(^nas[-a-z]*: error: --[a-z-]+ must be [^:]+, got \S+\n$)");
  for (const auto& [program, args] : cases) {
    const Result r = run(program, args);
    EXPECT_EQ(r.code, 2) << program << " " << args;
    EXPECT_TRUE(std::regex_match(r.err, plain)) << program << " " << args << ": " << r.err;
  }
  EXPECT_EQ(run("nas", "search --epochs abc").err,
            "nas: error: --epochs must be a whole number, got abc\n");
  EXPECT_EQ(run("nas", "search --lr x").err, "nas: error: --lr must be a number, got x\n");
}

TEST(CompanionCommand, NamesTheProgramAsTheUserReachedThisOne) {
  EXPECT_EQ(companion_command("nas", "nas-report"), "nas-report");  // found on PATH
  EXPECT_EQ(companion_command("build/nas", "nas-report"), "build/nas-report");
  EXPECT_EQ(companion_command("./nas-test-model", "nas"), "./nas");
  EXPECT_EQ(companion_command("/opt/nas/bin/nas", "nas-test-model"), "/opt/nas/bin/nas-test-model");
}

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

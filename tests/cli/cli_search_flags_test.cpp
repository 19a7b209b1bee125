// `nas search` refusing bad flags before it starts: exit code 2 and one line naming the flag
// (the searches themselves are in cli_search_test.cpp).
#include <gtest/gtest.h>

#include <string>

#include "cli_fixture.hpp"

namespace nas {
namespace {

void expect_search_usage_error(const Result& r, const std::string& needle) {
  EXPECT_EQ(r.code, 2) << r.err;
  expect_one_line_error(r, "nas", needle);
}

TEST_F(CliTest, SearchCullRatioOutOfRange) {
  const Result r = run("nas", "search --cull-ratio 1.5 " + experiments());
  expect_search_usage_error(r, "--cull-ratio");
  EXPECT_FALSE(fs::exists(path("experiments")) && !fs::is_empty(path("experiments")));
}

TEST_F(CliTest, SearchTimeBudgetMustBeADuration) {
  expect_search_usage_error(run("nas", "search --time-budget 8x " + experiments()),
                            "--time-budget '8x': expected a duration");
  expect_search_usage_error(run("nas", "search --time-budget 0m " + experiments()),
                            "--time-budget must be positive");
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

}  // namespace
}  // namespace nas

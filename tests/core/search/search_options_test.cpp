#include "nas/core/search/search_options.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>

#include "nas/core/common/error.hpp"

namespace nas {
namespace {

// Expects validate() to refuse `o` with a message that contains `needle` (the bad value).
void expect_refused(const SearchOptions& o, const std::string& needle) {
  try {
    validate(o);
    ADD_FAILURE() << "accepted, expected a complaint quoting " << needle;
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

SearchOptions with(const std::function<void(SearchOptions&)>& change) {
  SearchOptions o;
  change(o);
  return o;
}

TEST(SearchOptions, DefaultsAreTheOriginalsAndValid) {
  SearchOptions o;
  EXPECT_EQ(o.epochs, 3);
  EXPECT_DOUBLE_EQ(o.cull_ratio, 0.3);
  EXPECT_EQ(o.max_population, 30);
  EXPECT_EQ(o.sample_size, 7);
  EXPECT_EQ(o.n_trials, 1000);
  EXPECT_NO_THROW(validate(o));
}

TEST(SearchOptions, CullRatioMustBeBelowOne) {
  expect_refused(with([](auto& o) { o.cull_ratio = 1.0; }), "1");
  expect_refused(with([](auto& o) { o.cull_ratio = -0.1; }), "-0.1");
  EXPECT_NO_THROW(validate(with([](auto& o) { o.cull_ratio = 0; })));
  EXPECT_NO_THROW(validate(with([](auto& o) { o.cull_ratio = 0.66; })));
}

TEST(SearchOptions, PopulationSizesMustNest) {
  expect_refused(with([](auto& o) { o.sample_size = 31; }), "31");
  // NNI asserts sample_size < population: equal is refused too.
  expect_refused(with([](auto& o) { o.sample_size = 30; }),
                 "must be smaller than --max-population");
  expect_refused(with([](auto& o) { o.n_trials = 20; }), "20");
  EXPECT_NO_THROW(validate(with([](auto& o) {
    o.n_trials = 30;
    o.sample_size = 29;
  })));
}

TEST(SearchOptions, RandomSearchIgnoresTheTournamentSizes) {
  // A small random search needs no population flags: it draws no tournament.
  EXPECT_NO_THROW(validate(with([](auto& o) {
    o.strategy = "random";
    o.n_trials = 4;
  })));
  expect_refused(with([](auto& o) {
                   o.strategy = "random";
                   o.max_population = 0;
                 }),
                 "--max-population must be at least 1");
}

TEST(SearchOptions, CountsMustBePositive) {
  expect_refused(with([](auto& o) { o.epochs = 0; }), "--epochs");
  expect_refused(with([](auto& o) { o.concurrent_trials = 0; }), "--concurrent-trials");
  expect_refused(with([](auto& o) { o.n_trials = 0; }), "--n-trials");
  expect_refused(with([](auto& o) { o.sample_size = 0; }), "--sample-size");
  expect_refused(with([](auto& o) { o.batch_size = 0; }), "--batch-size");
  expect_refused(with([](auto& o) { o.latency_batch = -1; }), "-1");
}

TEST(SearchOptions, RatesAndNamesAreChecked) {
  expect_refused(with([](auto& o) { o.mutation_prob = 1.5; }), "1.5");
  expect_refused(with([](auto& o) { o.lr = 0; }), "--lr");
  expect_refused(with([](auto& o) { o.latency_exponent = -0.07; }), "-0.07");
  expect_refused(with([](auto& o) { o.strategy = "annealing"; }), "'annealing'");
  expect_refused(with([](auto& o) { o.eval_split = "train"; }), "'train'");
  expect_refused(with([](auto& o) { o.train_subset = -5; }), "-5");
  expect_refused(with([](auto& o) { o.eval_subset = -6; }), "-6");
  expect_refused(with([](auto& o) { o.threads = -2; }), "-2");
  EXPECT_NO_THROW(validate(with([](auto& o) { o.strategy = "random"; })));
  EXPECT_NO_THROW(validate(with([](auto& o) { o.eval_split = "test"; })));
}

TEST(SearchOptions, InfiniteRatesOneImageBatchesAndThreadStormsAreRefused) {
  const double inf = std::numeric_limits<double>::infinity();
  expect_refused(with([&](auto& o) { o.lr = inf; }), "--lr");
  expect_refused(with([](auto& o) { o.lr = std::nan(""); }), "--lr");
  expect_refused(with([&](auto& o) { o.latency_exponent = inf; }), "--latency-exponent");
  expect_refused(with([](auto& o) { o.batch_size = 1; }), "BatchNorm");
  expect_refused(with([](auto& o) { o.bn_recalibrate = -1; }), "--bn-recalibrate");
  expect_refused(with([](auto& o) { o.threads = 100000; }), "more than this machine can use");
  expect_refused(with([](auto& o) { o.concurrent_trials = 100000; }), "--concurrent-trials");
  EXPECT_NO_THROW(validate(with([](auto& o) { o.threads = max_useful_threads(); })));
  EXPECT_NO_THROW(validate_recipe(1e-3, 0.07, 2, 1, 0));
  EXPECT_THROW(validate_recipe(1e-3, 0.07, 64, 64, max_useful_threads() + 1), UsageError);
}

TEST(SearchOptions, JsonRoundTrips) {
  SearchOptions o;
  o.strategy = "random";
  o.epochs = 5;
  o.cull_ratio = 0.45;
  o.seed = 42;
  o.data_dir = "/data";
  o.device = "cuda:0,cuda:1";
  o.train_subset = 1000;
  o.deterministic = true;
  o.tf32 = true;
  const auto j = to_json(o);
  EXPECT_EQ(j["seed"], 42);
  const auto back = search_options_from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back.strategy, "random");
  EXPECT_EQ(back.epochs, 5);
  EXPECT_DOUBLE_EQ(back.cull_ratio, 0.45);
  EXPECT_EQ(back.seed, 42u);
  EXPECT_EQ(back.data_dir, "/data");
  EXPECT_EQ(back.device, "cuda:0,cuda:1");
  EXPECT_EQ(back.train_subset, 1000);
  EXPECT_TRUE(back.deterministic);
  EXPECT_TRUE(back.tf32);
}

TEST(SearchOptions, JsonHoldsEveryDocumentedOption) {
  const auto j = to_json(SearchOptions{});
  for (const char* k : {"strategy",       "epochs",   "cull_ratio",        "max_population",
                        "sample_size",    "n_trials", "concurrent_trials", "mutation_prob",
                        "batch_size",     "lr",       "latency_batch",     "latency_exponent",
                        "bn_recalibrate", "threads",  "train_subset",      "eval_subset",
                        "eval_split",     "dataset",  "data_dir",          "device",
                        "deterministic",  "tf32"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
  EXPECT_TRUE(j["seed"].is_null());
  EXPECT_TRUE(j["data_dir"].is_null());
}

TEST(SearchOptions, MissingFieldsKeepDefaults) {
  const auto o = search_options_from_json(nlohmann::json{{"epochs", 10}});
  EXPECT_EQ(o.epochs, 10);
  EXPECT_DOUBLE_EQ(o.cull_ratio, 0.3);
  EXPECT_EQ(o.strategy, "evolution");
  EXPECT_FALSE(o.seed);
  EXPECT_FALSE(o.deterministic);  // files written before the option existed
  EXPECT_FALSE(o.tf32);
}

TEST(SearchOptions, WrongTypeIsInputErrorNamingTheField) {
  try {
    search_options_from_json(nlohmann::json{{"cull_ratio", "high"}});
    FAIL() << "no throw";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("cull_ratio"), std::string::npos) << e.what();
  }
  EXPECT_THROW(search_options_from_json(nlohmann::json{{"seed", -1}}), InputError);
}

TEST(SearchOptions, DurationsReadAsUsersWriteThem) {
  EXPECT_DOUBLE_EQ(parse_duration("90m", "--time-budget"), 5400);
  EXPECT_DOUBLE_EQ(parse_duration("8h", "--time-budget"), 28800);
  EXPECT_DOUBLE_EQ(parse_duration("1d", "--time-budget"), 86400);
  EXPECT_DOUBLE_EQ(parse_duration("1h30m", "--time-budget"), 5400);
  EXPECT_DOUBLE_EQ(parse_duration("45s", "--time-budget"), 45);
  EXPECT_DOUBLE_EQ(parse_duration("3600", "--time-budget"), 3600);
  EXPECT_DOUBLE_EQ(parse_duration("1.5h", "--time-budget"), 5400);
  for (const char* bad : {"", "8x", "h", "-5m", "0", "0m", "1h30", "1e3", "inf", "8 h"}) {
    EXPECT_THROW(parse_duration(bad, "--time-budget"), UsageError) << bad;
  }
  try {
    parse_duration("8x", "--time-budget");
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()),
              "--time-budget '8x': expected a duration such as 90m, 8h, 1d, 1h30m or seconds");
  }
}

TEST(SearchOptions, ATimeBudgetIsStoredAndOlderFilesHaveNone) {
  SearchOptions o;
  EXPECT_TRUE(to_json(o)["time_budget_seconds"].is_null());
  o.time_budget_seconds = 5400;
  EXPECT_EQ(search_options_from_json(to_json(o)).time_budget_seconds, 5400);
  nlohmann::json old = to_json(SearchOptions{});
  old.erase("time_budget_seconds");
  EXPECT_FALSE(search_options_from_json(old).time_budget_seconds);
  o.time_budget_seconds = -1;
  EXPECT_THROW(validate(o), UsageError);
}

TEST(SearchOptions, CountsReadAsUsersWriteThem) {
  EXPECT_EQ(parse_count("300000000", "--max-macs"), 300000000);
  EXPECT_EQ(parse_count("300M", "--max-macs"), 300000000);
  EXPECT_EQ(parse_count("2.5M", "--max-params"), 2500000);
  EXPECT_EQ(parse_count("800k", "--max-params"), 800000);
  EXPECT_EQ(parse_count("1G", "--max-macs"), 1000000000);
  for (const char* bad : {"", "M", "0", "-5M", "3x", "1e6", "inf", "5 M", "0.1"}) {
    EXPECT_THROW(parse_count(bad, "--max-macs"), UsageError) << bad;
  }
}

TEST(SearchOptions, LimitsAreStoredPositiveAndOlderFilesHaveNone) {
  SearchOptions o;
  const nlohmann::json none = to_json(o);
  EXPECT_TRUE(none["max_latency_ms"].is_null());
  EXPECT_TRUE(none["max_macs"].is_null());
  o.max_latency_ms = 0.25;
  o.max_macs = 300000000;
  o.max_params = 2000000;
  const SearchOptions back = search_options_from_json(to_json(o));
  EXPECT_EQ(back.max_latency_ms, 0.25);
  EXPECT_EQ(back.max_macs, 300000000);
  EXPECT_EQ(back.max_params, 2000000);
  nlohmann::json old = to_json(SearchOptions{});
  old.erase("max_latency_ms");
  old.erase("max_macs");
  old.erase("max_params");
  EXPECT_FALSE(search_options_from_json(old).max_latency_ms);
  EXPECT_FALSE(search_options_from_json(old).max_macs);
  for (double bad : {0.0, -1.0, std::nan("")}) {
    SearchOptions b;
    b.max_latency_ms = bad;
    EXPECT_THROW(validate(b), UsageError) << bad;
  }
  SearchOptions b;
  b.max_params = 0;
  EXPECT_THROW(validate(b), UsageError);
}

TEST(SearchOptions, InitialArchitecturesAreStoredAndBoundedByThePopulation) {
  SearchOptions o;
  const MobileNetV3Space space;
  o.initial_archs = {space.smallest(), space.largest()};
  const SearchOptions back = search_options_from_json(to_json(o));
  ASSERT_EQ(back.initial_archs.size(), 2u);
  EXPECT_EQ(back.initial_archs[1], space.largest());
  o.max_population = 1;
  o.sample_size = 0;
  EXPECT_THROW(validate(o), UsageError);
}

}  // namespace
}  // namespace nas

// `nas latency-table` as a user runs it (built, interrupted, continued, refused), and the table in
// use: `nas arch --latency-table` and `nas search --latency-table`, whose trials then measure no
// latency at all.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include "cli_fixture.hpp"
#include "nas/core/search/latency_table.hpp"

namespace nas {
namespace {

// A tiny input and batch and no warm-up keep the build to well under a minute on 2 cores (module
// construction dominates); every distinct block is still measured.
const std::string kTiny =
    " --input 1,8,8 --latency-batch 1 --calibration 2 --warmup-ms 0 --log-level warn";

TEST_F(CliTest, LatencyTableBuildsIsInterruptedContinuesAndPredicts) {
  const std::string table = path("t.json");
  const std::vector<std::string> argv = {kBin + "/nas",     "latency-table",
                                         "--input",         "1,8,8",
                                         "--latency-batch", "1",
                                         "--calibration",   "2",
                                         "--warmup-ms",     "0",
                                         "--out",           table};
  const pid_t pid = e2e::spawn(argv);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const int status = e2e::interrupt_and_wait(pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  const nlohmann::json half = nlohmann::json::parse(slurp(table));
  EXPECT_FALSE(half.at("complete").get<bool>());
  const auto measured = half.at("entries").size();
  EXPECT_GT(measured, 0u);
  EXPECT_LT(measured, half.at("expected_entries").get<std::size_t>());

  // A half-built table is never used.
  const std::string arch = write_small_arch();
  const Result early = run("nas", "arch " + quote(arch) + " --latency-table " + quote(table));
  EXPECT_EQ(early.code, 2);
  expect_one_line_error(early, "nas", "an unfinished table");

  // The same command continues it; other settings may not.
  const Result other = run("nas", "latency-table --input 1,8,8 --latency-batch 2 --out " +
                                      quote(table) + " --log-level warn");
  EXPECT_EQ(other.code, 2);
  expect_one_line_error(other, "nas", "latency batch 1, not 2");
  const Result warmer =
      run("nas", "latency-table --input 1,8,8 --latency-batch 1 --warmup-ms 5 --out " +
                     quote(table) + " --log-level warn");
  EXPECT_EQ(warmer.code, 2);
  expect_one_line_error(warmer, "nas", "timed with --warmup-ms 0, not 5");
  const Result rest = run("nas", "latency-table --out " + quote(table) + kTiny);
  ASSERT_EQ(rest.code, 0) << rest.err;
  EXPECT_NE(rest.out.find("continuing " + table + ": " + std::to_string(measured)),
            std::string::npos)
      << rest.out;
  const LatencyTable t = read_latency_table(table);
  EXPECT_TRUE(t.complete);
  EXPECT_EQ(static_cast<int>(t.entries.size()), t.expected_entries);
  EXPECT_EQ(t.calibration_networks, 2);
  EXPECT_EQ(t.warmup_ms, 0);
  EXPECT_EQ(t.device.rfind("cpu", 0), 0u) << t.device;
  EXPECT_NE(rest.out.find("wrote " + table + ": " + std::to_string(t.entries.size()) + " blocks"),
            std::string::npos)
      << rest.out;
  // A complete table is not rebuilt over.
  const Result again = run("nas", "latency-table --out " + quote(table) + kTiny);
  EXPECT_EQ(again.code, 2);
  expect_one_line_error(again, "nas", "is a complete latency table");

  // Its prediction: the table's input unless told otherwise, which must then match.
  const Result predicted =
      run("nas", "arch " + quote(arch) + " --json --latency-table " + quote(table));
  ASSERT_EQ(predicted.code, 0) << predicted.err;
  const nlohmann::json j = nlohmann::json::parse(predicted.out);
  const NetworkPlan plan =
      plan_network(MobileNetV3Space().smallest(), InputShape{1, 8, 8}, 10, MobileNetV3Space());
  EXPECT_DOUBLE_EQ(j.at("predicted_latency_ms").get<double>(), predict_latency_ms(t, plan, table));
  EXPECT_EQ(j.at("latency_table_device"), t.device);
  // Block by block, in the network's order: the entries the prediction adds to the overhead.
  const auto keys = latency_keys(plan);
  const auto& blocks = j.at("latency_blocks");
  ASSERT_EQ(blocks.size(), keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(blocks[i].at("block"), keys[i]);
    EXPECT_DOUBLE_EQ(blocks[i].at("ms").get<double>(), t.entries.at(keys[i]));
  }
  const Result text = run("nas", "arch " + quote(arch) + " --latency-table " + quote(table));
  EXPECT_NE(text.out.find("ms/image predicted for " + t.device), std::string::npos) << text.out;
  const Result mismatch =
      run("nas", "arch " + quote(arch) + " --dataset cifar10 --latency-table " + quote(table));
  EXPECT_EQ(mismatch.code, 2);
  expect_one_line_error(mismatch, "nas", "built for input 1,8,8, not 3,32,32");
}

TEST_F(CliTest, LatencyTableRefusesTablesOfAccuraciesAndUnwritableFiles) {
  const Result nb =
      run("nas", "latency-table --space nas-bench-201 --out " + quote(path("t.json")) + kTiny);
  EXPECT_EQ(nb.code, 2);
  expect_one_line_error(nb, "nas", "no network to time");
  const Result folder = run("nas", "latency-table --out " + quote(path("no/t.json")) + kTiny);
  EXPECT_EQ(folder.code, 2);
  expect_one_line_error(folder, "nas", "no folder");
  const Result corrupt =
      run("nas", "arch " + quote(write_small_arch()) + " --latency-table " +
                     quote(write("bad.json", "{\"format\": \"nas-latency-table/1\", \"dev")));
  EXPECT_EQ(corrupt.code, 2);
  expect_one_line_error(corrupt, "nas", "invalid or truncated JSON");
}

/// A complete table for the synthetic data's shape, every block `each` ms: made here rather than
/// measured, so the search's use of it is tested without a minute of timing.
std::string write_table(const fs::path& file, double each, int batch) {
  LatencyTable t;
  t.device = "board-x";
  t.libtorch = "test";
  t.settings.input = {3, 32, 32};
  t.settings.batch = batch;
  for (const auto& b : latency_blocks(MobileNetV3Space(), t.settings)) t.entries[b.key] = each;
  t.expected_entries = static_cast<int>(t.entries.size());
  t.overhead_ms = 0.5;
  t.complete = true;
  std::ofstream(file) << to_json(t).dump();
  return file.string();
}

TEST_F(CliTest, ASearchWithALatencyTableMeasuresNothingAndSaysWhichDevice) {
  const std::string table = write_table(dir_ / "board.json", 0.01, 16);
  const std::string root = path("exp");
  const Result r = run("nas",
                       "search --dataset synthetic --train-subset 128 --eval-subset 64 "
                       "--n-trials 3 --max-population 3 --sample-size 2 --epochs 1 "
                       "--latency-batch 16 --threads 1 --device cpu --log-level warn "
                       "--experiment-id e --experiment-dir " +
                           quote(root) + " --latency-table " + quote(table));
  // write_table records no warm-up, as tables from before nas recorded one.
  EXPECT_NE((r.out + r.err).find("timed cold"), std::string::npos) << r.err;
  ASSERT_EQ(r.code, 0) << r.err;
  const fs::path exp = fs::path(root) / "e";
  const nlohmann::json e = nlohmann::json::parse(slurp(exp / "experiment.json"));
  EXPECT_EQ(e.at("options").at("latency_table").at("device"), "board-x");
  EXPECT_EQ(e.at("options").at("latency_table").at("path"), table);
  EXPECT_EQ(e.at("options").at("latency_table").at("checksum"), latency_table_checksum(table));
  const LatencyTable t = read_latency_table(table);
  int scored = 0;
  for (const auto& trial : e2e::trials(exp)) {
    if (trial.at("status") != "completed") continue;
    ++scored;
    EXPECT_EQ(trial.at("latency_source"), "table");
    EXPECT_EQ(trial.at("latency_table_device"), "board-x");
    const Architecture a = Architecture::from_json(trial.at("arch"));
    const double want = predict_latency_ms(
        t, plan_network(a, InputShape{3, 32, 32}, 10, MobileNetV3Space()), table);
    EXPECT_DOUBLE_EQ(trial.at("latency_ms").get<double>(), want);
    EXPECT_DOUBLE_EQ(trial.at("latency_before_ms").get<double>(), want);
    for (const auto& epoch : trial.at("epochs"))
      EXPECT_DOUBLE_EQ(epoch.at("latency_ms").get<double>(), want);
  }
  EXPECT_GT(scored, 0);
  const Result report = run("nas-report", "e --experiment-dir " + quote(root));
  EXPECT_NE(report.out.find("predicted for board-x by the table " + table), std::string::npos)
      << report.out;

  // A table for another latency batch is refused before anything is written.
  const std::string other = write_table(dir_ / "other.json", 0.01, 64);
  const Result refused = run("nas",
                             "search --dataset synthetic --train-subset 128 --n-trials 3 "
                             "--max-population 3 --sample-size 2 "
                             "--latency-batch 16 --experiment-dir " +
                                 quote(path("exp2")) + " --latency-table " + quote(other));
  EXPECT_EQ(refused.code, 2);
  expect_one_line_error(refused, "nas", "latency batch 64, not 16");
  EXPECT_FALSE(fs::exists(path("exp2")) && !fs::is_empty(path("exp2")));

  // The same table moved elsewhere continues the search; its content is what must agree.
  fs::copy_file(table, path("moved.json"));
  const Result moved =
      run("nas", "search --resume e --n-trials 4 --experiment-dir " + quote(root) +
                     " --log-level warn --latency-table " + quote(path("moved.json")));
  ASSERT_EQ(moved.code, 0) << moved.err;
  EXPECT_EQ(nlohmann::json::parse(slurp(exp / "experiment.json"))
                .at("options")
                .at("latency_table")
                .at("path"),
            path("moved.json"));
  const Result other_table = run("nas", "search --resume e --n-trials 5 --experiment-dir " +
                                            quote(root) + " --latency-table " + quote(other));
  EXPECT_EQ(other_table.code, 2);
  expect_one_line_error(other_table, "nas", "is not the table the experiment used");

  // A table that changed since the search started is not used to continue it.
  write_table(dir_ / "moved.json", 0.02, 16);
  const Result resumed = run("nas", "search --resume e --n-trials 6 --experiment-dir " +
                                        quote(root) + " --log-level warn");
  EXPECT_EQ(resumed.code, 2);
  expect_one_line_error(resumed, "nas", "the latency table changed since this search started");
}

}  // namespace
}  // namespace nas

namespace nas {
namespace {

TEST_F(CliTest, ASearchRefusesATableLackingABlockBeforeItStarts) {
  nlohmann::json t = nlohmann::json::parse(slurp(write_table(dir_ / "board.json", 0.01, 16)));
  const std::string missing = t.at("entries").begin().key();
  t.at("entries").erase(missing);
  t["expected_entries"] = t.at("entries").size();  // complete as far as the file says
  std::ofstream(path("board.json"), std::ios::trunc) << t.dump();
  const Result r = run("nas",
                       "search --dataset synthetic --train-subset 128 --n-trials 3 "
                       "--max-population 3 --sample-size 2 --latency-batch 16 "
                       "--experiment-dir " +
                           quote(path("exp")) + " --latency-table " + quote(path("board.json")));
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas", "no entry for the block '" + missing + "'");
  EXPECT_FALSE(fs::exists(path("exp")) && !fs::is_empty(path("exp")));
}

}  // namespace
}  // namespace nas

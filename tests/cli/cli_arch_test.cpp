// `nas arch` as a user runs it: architecture files, NNI's parameter.cfg, trial folders, and
// one-line errors with exit code 2 on bad input.
#include <gtest/gtest.h>

#include <string>

#include "cli_fixture.hpp"
#include "nas/core/search/network_plan.hpp"

namespace nas {
namespace {

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
  MobileNetV3Space space;
  Rng rng(1);
  nlohmann::json j = space.sample(rng).to_json();
  j["bogus_label"] = 1;
  const Result r = run("nas", "arch " + quote(write("unknown.json", j.dump())));
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(r, "nas", "bogus_label");
}

TEST_F(CliTest, ArchValueOutsideCandidatesExits2NamingTheLabel) {
  MobileNetV3Space space;
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
  MobileNetV3Space space;
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
  expect_one_line_error(r, "nas",
                        "a folder with neither trial.json (nas search) nor parameter.cfg (NNI)");
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

}  // namespace
}  // namespace nas

// NNI 2.7's 54 labels: the ties, the expansion to 66 labels and back, reading the original's
// parameter.cfg files, and searching the 54-choice space.
#include "nas/core/search/nni27_labels.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "nas/core/common/error.hpp"
#include "nas/core/search/regularized_evolution.hpp"

namespace fs = std::filesystem;

namespace nas {
namespace {

/// A parameter.cfg as NNI 2.7 writes it for the original: 54 labels under parameters.mutation,
/// SE values as the strings "0"/"1" (LayerChoice indices), numbers elsewhere.
nlohmann::json nni27_parameter_cfg(std::uint64_t seed) {
  const MobileNetV3Space space({}, LabelSet::kNni27);
  Rng rng(seed);
  nlohmann::json mutation = nlohmann::json::object();
  for (const auto& d : space.draws()) {
    const int v = d.candidates[uniform_index(rng, d.candidates.size())];
    if (d.label.rfind("se_", 0) == 0) {
      mutation[d.label] = std::to_string(v);
    } else {
      mutation[d.label] = v;
    }
  }
  return {{"parameter_id", 3},
          {"parameter_source", "algorithm"},
          {"parameters", {{"mutation", mutation}}},
          {"parameter_index", 0}};
}

TEST(Nni27Labels, FiftyFourLabelsTiedAsNni27BuiltThem) {
  const MobileNetV3Space space({}, LabelSet::kNni27);
  const auto& draws = space.draws();
  ASSERT_EQ(draws.size(), 54u);
  std::map<std::string, std::vector<std::string>> ties;
  for (const auto& d : draws) ties[d.label] = d.targets;
  EXPECT_EQ(ties.at("depth_1"),
            (std::vector<std::string>{"depth_1", "depth_3", "depth_4", "depth_5"}));
  EXPECT_EQ(ties.at("depth_2"), (std::vector<std::string>{"depth_2"}));
  EXPECT_EQ(ties.at("se_10"), (std::vector<std::string>{"se_6", "se_7", "se_8", "se_9"}));
  EXPECT_EQ(ties.at("se_18"), (std::vector<std::string>{"se_14", "se_15", "se_16", "se_17"}));
  EXPECT_EQ(ties.at("se_22"), (std::vector<std::string>{"se_18", "se_19", "se_20", "se_21"}));
  for (const char* l : {"depth_3", "depth_4", "depth_5", "se_6", "se_9", "se_14", "se_21"})
    EXPECT_FALSE(ties.count(l)) << l;
  // Every other label is its own: 8 widths, the stem kernel, 20 expand ratios, 20 kernels.
  int single = 0;
  for (const auto& [label, targets] : ties) single += targets.size() == 1 && label != "depth_2";
  EXPECT_EQ(single, 8 + 1 + 20 + 20);
  // Every one of the 66 choices is set by exactly one label.
  std::multiset<std::string> covered;
  for (const auto& d : draws) covered.insert(d.targets.begin(), d.targets.end());
  EXPECT_EQ(covered.size(), 66u);
  for (const auto& c : space.choices()) EXPECT_EQ(covered.count(c.label), 1u) << c.label;
}

TEST(Nni27Labels, ExpansionAndItsInverseForEveryLabel) {
  const MobileNetV3Space space;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const Architecture a54 = Architecture::from_json(nni27_parameter_cfg(seed));
    ASSERT_EQ(a54.values().size(), 54u);
    const Architecture a66 = expand_nni27(a54, space);
    ASSERT_NO_THROW(space.validate(a66));
    EXPECT_EQ(a66.at("depth_5"), a54.at("depth_1"));
    EXPECT_EQ(a66.at("depth_2"), a54.at("depth_2"));
    EXPECT_EQ(a66.at("se_7"), a54.at("se_10"));
    EXPECT_EQ(a66.at("se_16"), a54.at("se_18"));
    EXPECT_EQ(a66.at("se_18"), a54.at("se_22"));  // the 66-label se_18 is stage 5's layer 18
    EXPECT_EQ(a66.at("exp_13"), a54.at("exp_13"));
    const auto back = to_nni27(a66, space);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, a54);
  }
}

TEST(Nni27Labels, A66LabelArchitectureWithUntiedChoicesHasNo54LabelForm) {
  const MobileNetV3Space space;
  Architecture a = space.smallest();
  EXPECT_TRUE(to_nni27(a, space));
  a.set("depth_4", 3);  // stage 4 deeper than stages 1, 3 and 5: NNI 2.7 could not express it
  EXPECT_FALSE(to_nni27(a, space));
  a = space.smallest();
  a.set("se_15", 1);
  EXPECT_FALSE(to_nni27(a, space));
}

TEST(Nni27Labels, ExpansionNamesMissingUnknownAndBadLabels) {
  const MobileNetV3Space space;
  Architecture a = Architecture::from_json(nni27_parameter_cfg(1));
  auto message = [&](const Architecture& x) -> std::string {
    try {
      expand_nni27(x, space);
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  };
  Architecture missing(a.values());
  auto values = a.values();
  values.erase("se_18");
  EXPECT_NE(message(Architecture(values)).find("missing label 'se_18'"), std::string::npos);
  values = a.values();
  values["se_11"] = 1;
  EXPECT_NE(message(Architecture(values)).find("unknown label 'se_11'"), std::string::npos);
  values = a.values();
  values["se_10"] = 2;
  EXPECT_NE(message(Architecture(values)).find("'se_10' = 2 is not one of [0, 1]"),
            std::string::npos);
}

TEST(Nni27Labels, DetectsTheLabelSetAndRefusesMixtures) {
  const MobileNetV3Space space;
  EXPECT_FALSE(uses_nni27_labels(space.smallest(), space));
  const Architecture a54 = Architecture::from_json(nni27_parameter_cfg(2));
  EXPECT_TRUE(uses_nni27_labels(a54, space));
  // Without its SE labels, a 54-label set still reads as one (depth_3 is absent).
  auto values = a54.values();
  values.erase("se_10");
  values.erase("se_22");
  EXPECT_TRUE(uses_nni27_labels(Architecture(values), space));
  values = a54.values();
  values["depth_3"] = 2;
  try {
    uses_nni27_labels(Architecture(values), space);
    FAIL() << "a mixture was accepted";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'se_10'"), std::string::npos) << m;
    EXPECT_NE(m.find("'depth_3'"), std::string::npos) << m;
  }
}

class Nni27Files : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nas_nni27_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const nlohmann::json& j) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << j.dump(2);
    return p.string();
  }
  fs::path dir_;
};

TEST_F(Nni27Files, TheOriginalsParameterCfgReadsAsItsExpansion) {
  const MobileNetV3Space space;
  const nlohmann::json cfg = nni27_parameter_cfg(5);
  const LoadedArchitecture loaded = load_architecture(write("parameter.cfg", cfg), space);
  EXPECT_TRUE(loaded.nni27);
  EXPECT_EQ(loaded.arch, expand_nni27(Architecture::from_json(cfg), space));
  // A 66-label file reads as it is.
  const LoadedArchitecture plain =
      load_architecture(write("arch.json", space.largest().to_json()), space);
  EXPECT_FALSE(plain.nni27);
  EXPECT_EQ(plain.arch, space.largest());
}

TEST_F(Nni27Files, MixedOrIncompleteFilesAreInputErrorsNamingTheFileAndLabel) {
  const MobileNetV3Space space;
  nlohmann::json cfg = nni27_parameter_cfg(6);
  cfg["parameters"]["mutation"]["depth_4"] = 2;
  const std::string mixed = write("mixed.cfg", cfg);
  try {
    load_architecture(mixed, space);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(mixed), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("'depth_4'"), std::string::npos) << e.what();
  }
  cfg = nni27_parameter_cfg(6);
  cfg["parameters"]["mutation"].erase("exp_7");
  try {
    load_architecture(write("short.cfg", cfg), space);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("missing label 'exp_7'"), std::string::npos) << e.what();
  }
}

TEST(Nni27Space, SamplesAreTiedAndValid) {
  const MobileNetV3Space space({}, LabelSet::kNni27);
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    Rng rng(seed);
    const Architecture a = space.sample(rng);
    ASSERT_NO_THROW(space.validate(a));
    EXPECT_TRUE(to_nni27(a, space));
    EXPECT_EQ(a.at("depth_1"), a.at("depth_3"));
    EXPECT_EQ(a.at("depth_1"), a.at("depth_5"));
    EXPECT_EQ(a.at("se_6"), a.at("se_9"));
  }
  // The tied space refuses an architecture whose ties do not hold.
  Architecture untied = space.smallest();
  untied.set("depth_3", 2);
  EXPECT_THROW(space.validate(untied), InputError);
}

TEST(Nni27Space, MutationChangesAboutTwoLabelsAndMovesTheFourDepthsTogether) {
  // At p = 0.05, 54 labels: about 2.7 redraws a child, of which a share land on a new value.
  const MobileNetV3Space space({}, LabelSet::kNni27);
  Rng rng(17);
  const int children = 4000;
  double changed = 0, expected = 0;
  int depth_moves = 0;
  for (int i = 0; i < children; ++i) {
    const Architecture parent = space.sample(rng);
    const Architecture child = space.mutate(parent, rng, 0.05);
    const auto p54 = *to_nni27(parent, space), c54 = *to_nni27(child, space);
    for (const auto& d : space.draws()) {
      changed += p54.at(d.label) != c54.at(d.label);
      const double same = std::count(d.candidates.begin(), d.candidates.end(), p54.at(d.label)) /
                          static_cast<double>(d.candidates.size());
      expected += 0.05 * (1 - same);
    }
    if (child.at("depth_1") != parent.at("depth_1")) {
      ++depth_moves;
      // The four tied stage depths moved together.
      for (const char* l : {"depth_3", "depth_4", "depth_5"})
        EXPECT_EQ(child.at(l), child.at("depth_1"));
    }
    EXPECT_NO_THROW(space.validate(child));
  }
  EXPECT_NEAR(changed / children, expected / children, 0.1);
  EXPECT_GT(changed / children, 1.5);
  EXPECT_LT(changed / children, 2.5);
  EXPECT_GT(depth_moves, 0);
}

TEST(Nni27Space, EvolutionProposesThe54LabelFormWithEachTrial) {
  const MobileNetV3Space space({}, LabelSet::kNni27);
  EvolutionOptions o;
  o.max_population = 4;
  o.sample_size = 2;
  o.seed = 3;
  RegularizedEvolution s(space, o);
  for (int i = 0; i < 10; ++i) {
    TrialProposal t = s.ask(i);
    ASSERT_TRUE(t.arch_nni27) << i;
    EXPECT_EQ(t.arch_nni27->values().size(), 54u);
    EXPECT_EQ(expand_nni27(*t.arch_nni27, MobileNetV3Space()), t.arch);
    s.tell(t, TrialStatus::kCompleted, static_cast<double>(i % 3));
  }
  // The 66-label space proposes none.
  RegularizedEvolution plain(MobileNetV3Space(), o);
  EXPECT_FALSE(plain.ask(0).arch_nni27);
  EXPECT_EQ(to_string(LabelSet::kNni27), "nni-2.7");
  EXPECT_EQ(label_set_from_string("mobilenetv3"), LabelSet::kIndependent);
  EXPECT_THROW(label_set_from_string("nni"), UsageError);
}

}  // namespace
}  // namespace nas

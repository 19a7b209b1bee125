#include "nas/core/search/mobilenetv3_space.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "nas/core/common/error.hpp"

namespace nas {
namespace {

TEST(MobileNetV3Space, HasTheOriginals66Labels) {
  MobileNetV3Space space;
  EXPECT_EQ(space.choices().size(), 66u);
  std::set<std::string> labels;
  for (const auto& c : space.choices()) labels.insert(c.label);
  EXPECT_EQ(labels.size(), 66u);
  for (const char* l : {"width_0", "width_7", "ks_0", "exp_2", "ks_21", "se_6", "se_9", "se_14",
                        "se_21", "depth_1", "depth_5"}) {
    EXPECT_TRUE(labels.count(l)) << l;
  }
  for (const char* l : {"se_2", "se_5", "se_10", "se_13", "exp_1", "exp_22", "ks_1"}) {
    EXPECT_FALSE(labels.count(l)) << l;
  }
}

TEST(MobileNetV3Space, CandidateListsKeepDuplicates) {
  MobileNetV3Space space;
  EXPECT_EQ(space.choice("width_0").candidates, (std::vector<int>{8, 16, 16, 16, 24, 24, 32}));
  EXPECT_EQ(space.choice("width_7").candidates,
            (std::vector<int>{512, 640, 768, 1024, 1280, 1536, 2048}));
  EXPECT_EQ(space.choice("ks_0").candidates, (std::vector<int>{3, 5}));
  EXPECT_EQ(space.choice("ks_2").candidates, (std::vector<int>{3, 5, 7}));
  EXPECT_EQ(space.choice("exp_2").candidates, (std::vector<int>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(space.choice("se_6").candidates, (std::vector<int>{0, 1}));
  EXPECT_EQ(space.choice("depth_3").candidates, (std::vector<int>{1, 2, 3, 4}));
}

TEST(MobileNetV3Space, MakeDivisibleFollowsNni) {
  EXPECT_EQ(make_divisible(8), 8);
  EXPECT_EQ(make_divisible(10), 16);  // 8 is more than 10 % below 10
  EXPECT_EQ(make_divisible(12), 16);
  EXPECT_EQ(make_divisible(20), 24);
  EXPECT_EQ(make_divisible(3), 8);
  EXPECT_EQ(make_divisible(12 * 1.0, 8), 16);
}

TEST(MobileNetV3Space, SamplingIsSeededAndValid) {
  MobileNetV3Space space;
  Rng a(7), b(7), c(8);
  Architecture x = space.sample(a), y = space.sample(b), z = space.sample(c);
  EXPECT_EQ(x, y);
  EXPECT_NE(x, z);
  EXPECT_NO_THROW(space.validate(x));
  EXPECT_NO_THROW(space.validate(z));
}

TEST(MobileNetV3Space, SamplingIsUniformOverListEntries) {
  MobileNetV3Space space;
  Rng rng(1);
  int n16 = 0;
  const int n = 7000;
  for (int i = 0; i < n; ++i) n16 += space.sample(rng).at("width_0") == 16;
  EXPECT_NEAR(n16 / double(n), 3.0 / 7.0, 0.03);
}

TEST(MobileNetV3Space, JsonRoundTrip) {
  MobileNetV3Space space;
  Rng rng(3);
  Architecture a = space.sample(rng);
  Architecture b = Architecture::from_json(nlohmann::json::parse(a.to_json().dump()));
  EXPECT_EQ(a, b);
}

TEST(MobileNetV3Space, ReadsNniParameterCfgWithStringValues) {
  MobileNetV3Space space;
  Rng rng(4);
  Architecture a = space.sample(rng);
  nlohmann::json mutation;
  bool as_string = false;
  for (const auto& [label, v] : a.values()) {
    mutation[label] = as_string ? nlohmann::json(std::to_string(v)) : nlohmann::json(v);
    as_string = !as_string;
  }
  nlohmann::json cfg = {{"parameter_id", 3}, {"parameters", {{"mutation", mutation}}}};
  EXPECT_EQ(Architecture::from_json(cfg), a);
}

TEST(MobileNetV3Space, RejectsNonIntegerValues) {
  EXPECT_THROW(Architecture::from_json(nlohmann::json{{"ks_0", "three"}}), InputError);
  EXPECT_THROW(Architecture::from_json(nlohmann::json{{"ks_0", 3.5}}), InputError);
  // Values beyond int's range are refused, not wrapped onto a candidate (4294967304 = 2^32 + 8).
  EXPECT_THROW(Architecture::from_json(nlohmann::json{{"width_0", 4294967304ULL}}), InputError);
  EXPECT_THROW(Architecture::from_json(nlohmann::json{{"width_0", -4294967288LL}}), InputError);
  EXPECT_THROW(Architecture::from_json(nlohmann::json{{"width_0", 1e300}}), InputError);
  EXPECT_THROW(Architecture::from_json(nlohmann::json{{"width_0", "4294967304"}}), InputError);
  EXPECT_THROW(Architecture::from_json(nlohmann::json::array()), InputError);
  EXPECT_THROW(Architecture::from_json(nlohmann::json{{"parameters", {{"x", 1}}}}), InputError);
}

std::string validation_error(const Architecture& a) {
  try {
    MobileNetV3Space().validate(a);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(MobileNetV3Space, ValidationNamesTheLabelAndAllowedValues) {
  MobileNetV3Space space;
  Rng rng(5);
  Architecture a = space.sample(rng);

  Architecture unknown = a;
  unknown.set("se_2", 1);
  EXPECT_NE(validation_error(unknown).find("unknown label 'se_2'"), std::string::npos);

  Architecture missing(a.values());
  auto values = a.values();
  values.erase("ks_7");
  EXPECT_NE(validation_error(Architecture(values)).find("missing label 'ks_7'"), std::string::npos);
  EXPECT_NE(validation_error(Architecture(values)).find("[3, 5, 7]"), std::string::npos);

  Architecture bad = a;
  bad.set("width_0", 12);
  const std::string msg = validation_error(bad);
  EXPECT_NE(msg.find("'width_0' = 12"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[8, 16, 16, 16, 24, 24, 32]"), std::string::npos) << msg;
}

TEST(MobileNetV3Space, CanonicalKeyIgnoresLayersBeyondDepth) {
  MobileNetV3Space space;
  Rng rng(6);
  Architecture a = space.sample(rng);
  a.set("depth_2", 2);
  Architecture b = a;
  b.set("exp_9", a.at("exp_9") == 1 ? 2 : 1);  // layer 4 of stage 2: dropped at depth 2
  b.set("se_8", 1 - a.at("se_8"));             // layer 3 of stage 2: dropped too
  EXPECT_EQ(space.canonical_key(a), space.canonical_key(b));
  Architecture c = a;
  c.set("exp_7", a.at("exp_7") == 1 ? 2 : 1);  // layer 2 of stage 2: kept
  EXPECT_NE(space.canonical_key(a), space.canonical_key(c));
  EXPECT_EQ(space.canonical_key(a).size(), 16u);
}

TEST(MobileNetV3Space, MutationRateMatchesProbability) {
  MobileNetV3Space space;
  Rng rng(9);
  Architecture parent = space.sample(rng);
  int redrawn_differs = 0, total = 0;
  for (int i = 0; i < 2000; ++i) {
    Architecture child = space.mutate(parent, rng, 0.05);
    for (const auto& c : space.choices()) {
      redrawn_differs += child.at(c.label) != parent.at(c.label);
      ++total;
    }
  }
  // A redraw changes the value with probability about 1 - 1/|candidates| (0.5 to 0.83).
  const double rate = redrawn_differs / double(total);
  EXPECT_GT(rate, 0.05 * 0.45);
  EXPECT_LT(rate, 0.05 * 0.9);
  EXPECT_EQ(space.mutate(parent, rng, 0.0), parent);
}

TEST(MobileNetV3Space, ExtremesTakeEachChoicesSmallestAndLargestCandidate) {
  MobileNetV3Space space;
  EXPECT_EQ(space.smallest().at("width_7"), 512);
  EXPECT_EQ(space.largest().at("width_7"), 2048);
  EXPECT_EQ(space.smallest().at("se_6"), 0);
  EXPECT_EQ(space.largest().at("depth_3"), 4);
  EXPECT_NO_THROW(space.validate(space.smallest()));
  EXPECT_NO_THROW(space.validate(space.largest()));
}

TEST(MobileNetV3Space, SmallerSpaceFromOptions) {
  SearchSpaceOptions o;
  o.width_multipliers = {0.5};
  o.expand_ratios = {1};
  o.depths = {1};
  MobileNetV3Space space(o);
  EXPECT_EQ(space.choices().size(), 66u);
  EXPECT_EQ(space.choice("width_3").candidates, (std::vector<int>{32}));
}

}  // namespace
}  // namespace nas

// The latency table's blocks (every network of the space is covered by them, each counted once),
// the prediction, and the refusals: an unfinished table, a missing block, other settings, a
// corrupt, truncated or newer file.
#include "nas/core/search/latency_table.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "nas/core/common/error.hpp"
#include "nas/core/common/random.hpp"

namespace nas {
namespace {

namespace fs = std::filesystem;

LatencyTableSettings mnist() {
  LatencyTableSettings s;
  s.input = {1, 28, 28};
  return s;
}

LatencyTable full_table(const LatencyTableSettings& s, double each = 1.0) {
  LatencyTable t;
  t.settings = s;
  t.device = "cpu";
  for (const auto& b : latency_blocks(MobileNetV3Space(), s)) t.entries[b.key] = each;
  t.expected_entries = static_cast<int>(t.entries.size());
  t.complete = true;
  return t;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(LatencyTable, EveryNetworkOfBothLabelSetsIsMadeOfTheTablesBlocks) {
  const MobileNetV3Space space;
  const auto blocks = latency_blocks(space, mnist());
  std::set<std::string> keys;
  for (const auto& b : blocks) EXPECT_TRUE(keys.insert(b.key).second) << "twice: " << b.key;
  for (const auto labels : {LabelSet::kIndependent, LabelSet::kNni27}) {
    const MobileNetV3Space drawn({}, labels);
    for (int i = 0; i < 200; ++i) {
      Rng rng = rng_for(5, static_cast<std::uint64_t>(i));
      const NetworkPlan plan = plan_network(drawn.sample(rng), {1, 28, 28}, 10, space);
      for (const auto& k : latency_keys(plan)) ASSERT_TRUE(keys.count(k)) << k;
    }
  }
  for (const auto& a : {space.smallest(), space.largest()}) {
    for (const auto& k : latency_keys(plan_network(a, {1, 28, 28}, 10, space)))
      EXPECT_TRUE(keys.count(k)) << k;
  }
}

TEST(LatencyTable, ItsSizeIsTheProductOfTheChoicesPerPosition) {
  // A small space: 2 widths, 2 expand ratios, 1 kernel, 1 stem kernel; SE in stages 2, 4, 5.
  SearchSpaceOptions o;
  o.width_multipliers = {1.0, 2.0};
  o.expand_ratios = {1, 2};
  o.kernel_sizes = {3};
  o.stem_kernel_sizes = {3};
  const MobileNetV3Space space(o);
  const auto blocks = latency_blocks(space, mnist());
  // stem 2; per stage: first layer 2 x 2 x 2 (x2 with SE), later layers 2 x 2 (x2 with SE);
  // head 2 x 2 x 2.
  const int first = 8, later = 4;
  const int body = (first + later) * 2 /* stages 1, 3 */ + (2 * first + 2 * later) * 3;
  // Identical blocks are measured once. Stage 4 keeps its input's size (stride 1) and stage 3's
  // activation, so its first layer at 128 -> 128 channels is its later layers' block (2 expand
  // ratios x SE or not: 4), and stage 3's later layers at 128 channels are those without SE (2).
  const int shared = 4 + 2;
  EXPECT_EQ(blocks.size(), static_cast<std::size_t>(2 + body + 8 - shared));
  EXPECT_EQ(latency_keys(plan_network(space.smallest(), {1, 28, 28}, 10, space)).size(),
            2u + 5u);  // stem, one layer per stage, head
}

TEST(LatencyTable, PredictsTheSumOfItsBlocksPlusTheOverhead) {
  const MobileNetV3Space space;
  LatencyTable t = full_table(mnist(), 0.25);
  t.overhead_ms = 0.5;
  const NetworkPlan plan = plan_network(space.largest(), {1, 28, 28}, 10, space);
  EXPECT_DOUBLE_EQ(predict_latency_ms(t, plan, "t.json"), 0.5 + 0.25 * (20 + 2));
}

TEST(LatencyTable, AMissingBlockOrAnUnfinishedTableIsRefusedByName) {
  const MobileNetV3Space space;
  const NetworkPlan plan = plan_network(space.smallest(), {1, 28, 28}, 10, space);
  LatencyTable t = full_table(mnist());
  const std::string head = latency_keys(plan).back();
  t.entries.erase(head);
  EXPECT_EQ(error_of([&] { predict_latency_ms(t, plan, "t.json"); }),
            "t.json: no entry for the block '" + head +
                "': the table was built for another space or input");
  t.complete = false;
  EXPECT_NE(error_of([&] { predict_latency_ms(t, plan, "t.json"); }).find("an unfinished table"),
            std::string::npos);
}

TEST(LatencyTable, OtherSettingsAreRefusedNamingTheMismatch) {
  const LatencyTable t = full_table(mnist());
  LatencyTableSettings cifar = mnist();
  cifar.input = {3, 32, 32};
  EXPECT_EQ(error_of([&] { check_latency_table_settings(t, cifar, "t.json"); }),
            "t.json: built for input 1,28,28, not 3,32,32: build one for these settings with nas "
            "latency-table");
  LatencyTableSettings batch = mnist();
  batch.batch = 16;
  EXPECT_NE(error_of([&] {
              check_latency_table_settings(t, batch, "t.json");
            }).find("latency batch 64, not 16"),
            std::string::npos);
  LatencyTableSettings classes = mnist();
  classes.classes = 100;
  EXPECT_NE(error_of([&] { check_latency_table_settings(t, classes, "t.json"); }).find("classes"),
            std::string::npos);
  EXPECT_EQ(error_of([&] { check_latency_table_settings(t, mnist(), "t.json"); }), "");
}

TEST(LatencyTable, RoundTripsAndRefusesCorruptTruncatedAndNewerFiles) {
  const fs::path dir = fs::temp_directory_path() / ("nas-latency-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  LatencyTable t = full_table(mnist(), 0.125);
  t.overhead_ms = 0.03;
  t.libtorch = "1.13.0";
  t.warmup_ms = 50;
  const std::string path = (dir / "t.json").string();
  const std::string text = to_json(t).dump();
  std::ofstream(path) << text;
  const LatencyTable back = read_latency_table(path);
  EXPECT_EQ(back.entries, t.entries);
  EXPECT_DOUBLE_EQ(back.overhead_ms, 0.03);
  EXPECT_DOUBLE_EQ(back.warmup_ms, 50);
  EXPECT_TRUE(back.complete);
  EXPECT_EQ(latency_table_checksum(path).size(), 16u);
  // A table from before the warm-up was recorded still reads: timed cold, 0.
  nlohmann::json older = to_json(t);
  older.erase("warmup_ms");
  EXPECT_DOUBLE_EQ(latency_table_from_json(older, path).warmup_ms, 0);

  std::ofstream(path, std::ios::trunc) << text.substr(0, text.size() / 2);
  EXPECT_EQ(error_of([&] { read_latency_table(path); }),
            path + ": not a latency table (invalid or truncated JSON)");
  nlohmann::json newer = to_json(t);
  newer["format"] = "nas-latency-table/2";
  std::ofstream(path, std::ios::trunc) << newer.dump();
  EXPECT_NE(error_of([&] { read_latency_table(path); }).find("newer than this nas reads"),
            std::string::npos);
  nlohmann::json negative = to_json(t);
  negative["entries"][t.entries.begin()->first] = -1;
  std::ofstream(path, std::ios::trunc) << negative.dump();
  EXPECT_NE(error_of([&] { read_latency_table(path); }).find("is not a latency in ms"),
            std::string::npos);
  nlohmann::json short_table = to_json(t);
  short_table["entries"].erase(t.entries.begin()->first);
  std::ofstream(path, std::ios::trunc) << short_table.dump();
  EXPECT_NE(error_of([&] { read_latency_table(path); }).find("marked complete with"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              read_latency_table((dir / "none.json").string());
            }).find("no such latency table"),
            std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace nas

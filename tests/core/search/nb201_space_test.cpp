#include "nas/core/search/nb201_space.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>
#include <sstream>

#include "nas/core/common/error.hpp"
#include "nas/core/search/nb201_trial.hpp"
#include "nas/core/search/regularized_evolution.hpp"
#include "nas/core/search/search_options.hpp"
#include "nas/core/search/search_spaces.hpp"

namespace nas {
namespace {

int edges_changed(const Nb201Cell& a, const Nb201Cell& b) {
  int n = 0;
  for (int e = 0; e < kNb201Edges; ++e) n += a.ops[e] != b.ops[e];
  return n;
}

TEST(Nb201Space, SamplesCellsWhoseKeyIsTheirString) {
  const Nb201Space space;
  Rng rng = rng_for(1, 0);
  std::set<std::string> keys;
  for (int i = 0; i < 200; ++i) {
    const Architecture a = space.sample(rng);
    space.validate(a);
    EXPECT_EQ(space.canonical_string(a), to_string(space.cell_of(a)));
    keys.insert(space.canonical_key(a));
  }
  EXPECT_GT(keys.size(), 190u);  // 15,625 cells: few repeats in 200 draws
  EXPECT_EQ(space.name(), "nas-bench-201");
  EXPECT_EQ(space.choices().size(), 6u);
}

TEST(Nb201Space, AChildAlwaysDiffersAndAtSmallRatesByOneEdge) {
  const Nb201Space space;
  Rng rng = rng_for(2, 0);
  for (int i = 0; i < 300; ++i) {
    const Architecture parent = space.sample(rng);
    const Architecture child = space.mutate(parent, rng, 0.0);
    EXPECT_EQ(edges_changed(space.cell_of(parent), space.cell_of(child)), 1);
    const Architecture wild = space.mutate(parent, rng, 1.0);
    EXPECT_EQ(edges_changed(space.cell_of(parent), space.cell_of(wild)), kNb201Edges);
  }
}

TEST(Nb201Space, RefusesWhatIsNotACell) {
  const Nb201Space space;
  Architecture a = Nb201Space::architecture_of(Nb201Cell::from_code(77));
  a.set("edge_3_2", 5);
  EXPECT_THROW(space.validate(a), InputError);
  a.set("edge_3_2", 0);
  a.set("width_0", 16);
  EXPECT_THROW(space.validate(a), InputError);
  EXPECT_THROW(space.validate(Architecture({{"edge_1_0", 1}})), InputError);
}

TEST(Nb201Space, ReadsACellFromItsStringOrOurJson) {
  const std::string text =
      "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|none~2|";
  const Nb201Cell cell = read_nb201_cell(text);
  EXPECT_EQ(to_string(cell), text);
  EXPECT_EQ(read_nb201_cell("  " + text + "\n"), cell);
  const std::string json = Nb201Space::architecture_of(cell).to_json().dump();
  EXPECT_EQ(read_nb201_cell(json), cell);
  EXPECT_EQ(read_nb201_cell("{\"arch\": " + json + "}"), cell);  // a trial.json
  EXPECT_THROW(read_nb201_cell("not a cell"), InputError);
  EXPECT_THROW(read_nb201_cell("{\"width_0\": 16}"), InputError);
  EXPECT_THROW(load_nb201_cell("/no/such/file"), InputError);
}

TEST(SearchSpaces, MakesEachSpaceByName) {
  for (const auto& name : search_space_names()) EXPECT_EQ(make_search_space(name)->name(), name);
  EXPECT_THROW(make_search_space("darts"), UsageError);
  EXPECT_TRUE(is_tabular_space("nas-bench-201"));
  EXPECT_FALSE(is_tabular_space("mobilenetv3"));
}

SearchOptions table_search() {
  SearchOptions o;
  o.space = "nas-bench-201";
  o.cull_ratio = 0;
  o.n_trials = 100;
  return o;
}

TEST(Nb201Options, EveryFlagAboutANetworkIsRefused) {
  EXPECT_NO_THROW(validate(table_search()));
  auto refused = [](auto change, const std::string& flag) {
    SearchOptions o = table_search();
    change(o);
    try {
      validate(o);
      ADD_FAILURE() << flag << " was accepted";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(flag), std::string::npos) << e.what();
    }
  };
  refused([](SearchOptions& o) { o.cull_ratio = 0.3; }, "--cull-ratio");
  refused([](SearchOptions& o) { o.max_latency_ms = 1.0; }, "--max-latency");
  refused([](SearchOptions& o) { o.target_latency_ms = 1.0; }, "--target-latency");
  refused([](SearchOptions& o) { o.max_macs = 1000; }, "--max-macs");
  refused([](SearchOptions& o) { o.max_params = 1000; }, "--max-params");
  refused([](SearchOptions& o) { o.objective = "pareto"; }, "--objective");
  SearchOptions o = table_search();
  o.nb201_dataset = "svhn";
  EXPECT_THROW(validate(o), UsageError);
}

const char* kHeader =
    "index,arch,cifar10-val,cifar10-test,cifar100-val,cifar100-test,imagenet-val,imagenet-test\n";

/// A whole table whose CIFAR-10 validation accuracy is 10 points per edge that agrees with
/// `best`, plus 30 for `best` itself: one cell is best by far, and every one-edge step towards it
/// is an improvement, so a mutation path leads there. Test columns are the validation's + 1.
Nb201Table hand_table(const Nb201Cell& best) {
  std::ostringstream out;
  out << kHeader;
  for (int code = 0; code < kNb201Cells; ++code) {
    const Nb201Cell c = Nb201Cell::from_code(code);
    const int agree = kNb201Edges - edges_changed(c, best);
    const double v = 5.0 + 10.0 * agree + (agree == kNb201Edges ? 30.0 : 0.0) - 0.01 * (code % 7);
    out << code << "," << to_string(c) << "," << v / 1.2 << "," << v / 1.2 + 1 << ",1,1,1,1\n";
  }
  return Nb201Table::parse(out.str(), "hand-made");
}

struct RecordingWriter : TrialWriter {
  std::string id_ = "e";
  mutable std::vector<TrialRecord> written;
  const std::string& id() const override { return id_; }
  void write_trial(const TrialRecord& r) const override { written.push_back(r); }
};

TEST(Nb201TrialRunner, LooksTheCellUpAndRecordsBothColumns) {
  const Nb201Cell best = Nb201Cell::from_code(4321);
  const Nb201Table table = hand_table(best);
  RecordingWriter writer;
  const Nb201TrialRunner run(table, Nb201Dataset::kCifar10, false, writer);
  TrialProposal p;
  p.id = 3;
  p.arch = Nb201Space::architecture_of(best);
  const TrialRecord r = run(p, TrialSlot{});
  ASSERT_EQ(writer.written.size(), 1u);
  EXPECT_EQ(r.status, TrialStatus::kCompleted);
  ASSERT_TRUE(r.nb201);
  EXPECT_EQ(r.nb201->cell, to_string(best));
  EXPECT_DOUBLE_EQ(*r.metric, r.nb201->val_accuracy);
  EXPECT_DOUBLE_EQ(r.nb201->test_accuracy, r.nb201->val_accuracy + 1);
  EXPECT_FALSE(r.params || r.macs || r.latency_ms);
  const TrialRecord t = Nb201TrialRunner(table, Nb201Dataset::kCifar10, true, writer)(p, {});
  EXPECT_DOUBLE_EQ(*t.metric, t.nb201->test_accuracy);  // --eval-split test
}

/// Trials until `strategy` proposes `best` (one past the budget when it never does), asking and
/// telling one trial at a time as --concurrent-trials 1 does.
int trials_to_find(Strategy& strategy, const Nb201Table& table, const Nb201Cell& best, int budget) {
  const Nb201Space space;
  for (int i = 0; i < budget; ++i) {
    const TrialProposal p = strategy.ask(i);
    const Nb201Cell cell = space.cell_of(p.arch);
    if (cell == best) return i + 1;
    strategy.tell(p, TrialStatus::kCompleted, table.accuracy(cell, Nb201Dataset::kCifar10).val);
  }
  return budget + 1;
}

TEST(Nb201Search, EvolutionFindsTheBestCellInFewerTrialsThanRandomSearch) {
  const Nb201Cell best = Nb201Cell::from_code(9876);
  const Nb201Table table = hand_table(best);
  const Nb201Space space;
  const int budget = 400, seeds = 20;
  double evolution = 0, random = 0;
  for (int seed = 1; seed <= seeds; ++seed) {
    EvolutionOptions o;
    o.seed = static_cast<std::uint64_t>(seed);
    evolution += trials_to_find(*make_strategy("evolution", space, o), table, best, budget);
    random += trials_to_find(*make_strategy("random", space, o), table, best, budget);
  }
  evolution /= seeds;
  random /= seeds;
  // Random search needs 15,625 / 2 trials on average; evolution climbs the path.
  EXPECT_LT(evolution, random) << "evolution " << evolution << ", random " << random;
  EXPECT_LT(evolution, budget / 2.0) << evolution;
}

}  // namespace
}  // namespace nas

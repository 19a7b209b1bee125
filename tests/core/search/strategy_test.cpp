#include "nas/core/search/strategy.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <set>

#include "core/search/random_search.hpp"
#include "nas/core/common/error.hpp"
#include "nas/core/search/regularized_evolution.hpp"

namespace nas {
namespace {

// The fake evaluator: the fraction of the 66 choices that equal a hidden target's. One optimum
// that random samples rarely come near, deterministic, and no torch.
double closeness(const Architecture& a, const Architecture& target) {
  int same = 0;
  for (const auto& [label, value] : target.values()) same += a.at(label) == value;
  return same / double(target.values().size());
}

Architecture sample_with_seed(const MobileNetV3Space& space, std::uint64_t seed) {
  Rng rng(seed);
  return space.sample(rng);
}

struct SearchRun {
  std::vector<TrialProposal> asked;  // by trial id
  double best = -1;
};

// A driver as the executor will be: up to `concurrency` trials running, told oldest first.
SearchRun run_search(Strategy& s, int n_trials, int concurrency, const Architecture& target) {
  SearchRun run;
  std::deque<TrialProposal> running;
  int next = 0;
  while (next < n_trials || !running.empty()) {
    while (next < n_trials && static_cast<int>(running.size()) < concurrency) {
      running.push_back(s.ask(next++));
      run.asked.push_back(running.back());
    }
    const TrialProposal t = running.front();
    running.pop_front();
    const double m = closeness(t.arch, target);
    run.best = std::max(run.best, m);
    s.tell(t, TrialStatus::kCompleted, m);
  }
  return run;
}

// 2 canonical keys: only the stem kernel varies (one depth, one candidate elsewhere).
MobileNetV3Space two_key_space() {
  SearchSpaceOptions o;
  o.width_multipliers = {1.0};
  o.expand_ratios = {1};
  o.kernel_sizes = {3};
  o.depths = {1};
  o.se_stages = {};
  return MobileNetV3Space(o);
}

TEST(Strategy, MakeStrategyByName) {
  MobileNetV3Space space;
  EvolutionOptions o;
  EXPECT_EQ(make_strategy("evolution", space, o)->name(), "evolution");
  EXPECT_EQ(make_strategy("random", space, o)->name(), "random");
  EXPECT_NE(dynamic_cast<RegularizedEvolution*>(make_strategy("evolution", space, o).get()),
            nullptr);
  try {
    make_strategy("bayesian", space, o);
    FAIL() << "no UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("'bayesian'"), std::string::npos) << e.what();
  }
  o.sample_size = 31;
  EXPECT_THROW(make_strategy("evolution", space, o), UsageError);
}

TEST(Strategy, EvolutionBeatsRandomSearchAtEqualBudgets) {
  MobileNetV3Space space;
  double evolution = 0, random = 0;
  const int seeds = 5;
  for (int seed = 1; seed <= seeds; ++seed) {
    const Architecture target = sample_with_seed(space, 1000 + seed);
    EvolutionOptions o;
    o.seed = static_cast<std::uint64_t>(seed);
    evolution += run_search(*make_strategy("evolution", space, o), 300, 4, target).best;
    random += run_search(*make_strategy("random", space, o), 300, 4, target).best;
  }
  evolution /= seeds;
  random /= seeds;
  // Measured 0.62 against 0.43 when written: a clear margin, not a tie.
  EXPECT_GT(evolution, random + 0.1) << "evolution " << evolution << ", random " << random;
}

TEST(Strategy, NoDuplicateKeysAmongAskedTrials) {
  // 64 keys: the stem kernel (2) times the depth of each stage (2^5).
  SearchSpaceOptions so;
  so.width_multipliers = {1.0};
  so.expand_ratios = {1};
  so.kernel_sizes = {3};
  so.depths = {1, 2};
  so.se_stages = {};
  MobileNetV3Space space(so);
  EvolutionOptions o;
  o.max_population = 8;
  o.sample_size = 3;
  o.mutation_prob = 0.2;
  Architecture target = sample_with_seed(space, 3);
  for (const char* name : {"evolution", "random"}) {
    for (std::uint64_t seed : {1, 2, 3}) {
      o.seed = seed;
      SearchRun run = run_search(*make_strategy(name, space, o), 56, 3, target);
      std::set<std::string> keys;
      for (const auto& t : run.asked) keys.insert(t.arch_key);
      EXPECT_EQ(keys.size(), run.asked.size()) << name << " seed " << seed;
    }
  }
}

TEST(Strategy, SameSeedSameProposals) {
  MobileNetV3Space space;
  Architecture target = sample_with_seed(space, 4);
  for (const char* name : {"evolution", "random"}) {
    EvolutionOptions o;
    o.max_population = 10;
    o.sample_size = 3;
    o.seed = 77;
    SearchRun a = run_search(*make_strategy(name, space, o), 60, 4, target);
    SearchRun b = run_search(*make_strategy(name, space, o), 60, 4, target);
    o.seed = 78;
    SearchRun c = run_search(*make_strategy(name, space, o), 60, 4, target);
    int differ = 0;
    for (std::size_t i = 0; i < a.asked.size(); ++i) {
      EXPECT_EQ(a.asked[i].arch, b.asked[i].arch) << name << " trial " << i;
      EXPECT_EQ(a.asked[i].origin, b.asked[i].origin);
      EXPECT_EQ(a.asked[i].parent, b.asked[i].parent);
      differ += a.asked[i].arch != c.asked[i].arch;
    }
    EXPECT_EQ(differ, 60) << name;
  }
}

TEST(Strategy, KeysOfEvaluatedRunningAndNotedTrialsAreAvoided) {
  MobileNetV3Space space = two_key_space();
  for (const char* name : {"evolution", "random"}) {
    EvolutionOptions o;
    o.max_population = 2;
    o.sample_size = 1;
    // A failed trial's key stays evaluated.
    auto s = make_strategy(name, space, o);
    TrialProposal first = s->ask(0);
    s->tell(first, TrialStatus::kFailed, std::nullopt);
    EXPECT_NE(s->ask(1).arch_key, first.arch_key) << name;

    // A running trial's key, whether asked or noted, is avoided; an interrupted one's is freed.
    s = make_strategy(name, space, o);
    TrialProposal noted = first;
    noted.id = 5;
    s->note_running(noted);
    TrialProposal other = s->ask(0);
    EXPECT_NE(other.arch_key, noted.arch_key) << name;
    s->tell(noted, TrialStatus::kInterrupted, std::nullopt);
    EXPECT_EQ(s->ask(1).arch_key, noted.arch_key) << name;  // the only key left free
  }
}

TEST(Strategy, AnExhaustedSpaceRepeatsRatherThanStalls) {
  MobileNetV3Space space = two_key_space();
  for (const char* name : {"evolution", "random"}) {
    EvolutionOptions o;
    o.max_population = 2;
    o.sample_size = 1;
    auto s = make_strategy(name, space, o);
    std::set<std::string> keys{s->ask(0).arch_key, s->ask(1).arch_key};
    EXPECT_EQ(keys.size(), 2u);
    EXPECT_EQ(keys.count(s->ask(2).arch_key), 1u) << name;
  }
}

TEST(Strategy, TellChecksTheOutcome) {
  MobileNetV3Space space;
  for (const char* name : {"evolution", "random"}) {
    auto s = make_strategy(name, space, EvolutionOptions{});
    TrialProposal t = s->ask(0);
    EXPECT_THROW(s->ask(0), RuntimeFailure) << "asked twice while running";
    EXPECT_THROW(s->tell(t, TrialStatus::kRunning, 1.0), RuntimeFailure);
    EXPECT_THROW(s->tell(t, TrialStatus::kCompleted, std::nullopt), RuntimeFailure);
    EXPECT_THROW(s->tell(t, TrialStatus::kCulled, std::nan("")), RuntimeFailure);
    s->tell(t, TrialStatus::kCompleted, 1.0);
    EXPECT_THROW(s->tell(t, TrialStatus::kCompleted, 1.0), RuntimeFailure) << "told twice";
    EXPECT_THROW(s->ask(0), RuntimeFailure) << "asked after it finished";
    EXPECT_THROW(s->ask(-1), RuntimeFailure);
    EXPECT_NO_THROW(s->ask(1));
  }
}

TEST(Strategy, InterruptedTrialMayBeAskedAgainWithTheSameProposal) {
  MobileNetV3Space space;
  for (const char* name : {"evolution", "random"}) {
    auto s = make_strategy(name, space, EvolutionOptions{});
    TrialProposal t = s->ask(3);
    s->tell(t, TrialStatus::kInterrupted, std::nullopt);
    EXPECT_EQ(s->ask(3).arch, t.arch) << name;
  }
}

}  // namespace
}  // namespace nas

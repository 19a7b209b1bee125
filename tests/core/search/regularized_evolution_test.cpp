#include "nas/core/search/regularized_evolution.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>

#include "nas/core/common/error.hpp"

namespace nas {
namespace {

// The fake evaluator: a deterministic score from widths, kernels and depths.
double fake_metric(const Architecture& a) {
  double score = 0;
  for (const auto& [label, value] : a.values()) {
    if (label.rfind("width_", 0) == 0) score += std::log2(static_cast<double>(value));
    if (label.rfind("ks_", 0) == 0) score -= 0.1 * value;
    if (label.rfind("depth_", 0) == 0) score += 0.5 * value;
  }
  return score;
}

TrialProposal external_trial(const MobileNetV3Space& space, int id, std::uint64_t seed) {
  Rng rng(seed);
  TrialProposal t;
  t.id = id;
  t.arch = space.sample(rng);
  t.arch_key = space.canonical_key(t.arch);
  return t;
}

std::vector<int> population_ids(const RegularizedEvolution& s) {
  std::vector<int> ids;
  for (const auto& m : s.population()) ids.push_back(m.id);
  return ids;
}

EvolutionOptions options(int population, int sample, double mutation_prob = 0.05,
                         std::uint64_t seed = 1) {
  EvolutionOptions o;
  o.max_population = population;
  o.sample_size = sample;
  o.mutation_prob = mutation_prob;
  o.seed = seed;
  return o;
}

TEST(RegularizedEvolution, FirstPopulationTrialsAreUniformRandom) {
  MobileNetV3Space space;
  RegularizedEvolution s(space, options(10, 3, 0.05, 9));
  for (int i = 0; i < 10; ++i) {
    TrialProposal t = s.ask(i);
    Rng rng = rng_for(9, i);
    EXPECT_EQ(t.arch, space.sample(rng)) << "trial " << i;
    EXPECT_EQ(t.origin, "random");
    EXPECT_EQ(t.parent, std::nullopt);
    EXPECT_EQ(t.arch_key, space.canonical_key(t.arch));
    s.tell(t, TrialStatus::kCompleted, fake_metric(t.arch));
  }
  TrialProposal child = s.ask(10);
  EXPECT_EQ(child.origin, "mutation");
  ASSERT_TRUE(child.parent);
  EXPECT_GE(*child.parent, 0);
  EXPECT_LT(*child.parent, 10);
}

TEST(RegularizedEvolution, KnownArchitecturesComeFirstInOrderThenRandomOnes) {
  const MobileNetV3Space space;
  EvolutionOptions o{4, 2, 0.05, 7, 50};
  o.initial = {space.largest(), space.smallest(), space.largest()};  // the repeat is skipped
  RegularizedEvolution s(space, o);
  const TrialProposal a = s.ask(0), b = s.ask(1), c = s.ask(2);
  EXPECT_EQ(a.arch, space.largest());
  EXPECT_EQ(a.origin, "initial");
  EXPECT_EQ(b.arch, space.smallest());
  EXPECT_EQ(b.origin, "initial");
  EXPECT_EQ(c.origin, "random");
  // A resumed search knows them from the trials it replays: it does not propose them again.
  RegularizedEvolution resumed(space, o);
  resumed.tell(a, TrialStatus::kCompleted, 1.0);
  resumed.tell(b, TrialStatus::kFailed, std::nullopt);
  EXPECT_EQ(resumed.ask(2).origin, "random");
}

TEST(RegularizedEvolution, FailedInitialTrialsAreReplacedByRandomOnesUntilThePopulationIsFull) {
  // NNI 2.7: mutation starts once the population holds max_population scored members.
  MobileNetV3Space space;
  RegularizedEvolution s(space, options(10, 7, 0.05, 4));
  for (int i = 0; i < 10; ++i) {
    TrialProposal t = s.ask(i);
    s.tell(t, i < 6 ? TrialStatus::kCompleted : TrialStatus::kFailed, 1.0);
  }
  EXPECT_EQ(s.population().size(), 6u);
  for (int i = 10; i < 14; ++i) {
    TrialProposal t = s.ask(i);
    EXPECT_EQ(t.origin, "random") << i;
    Rng rng = rng_for(4, static_cast<std::uint64_t>(i));
    EXPECT_EQ(t.arch, space.sample(rng));
    // Culled trials enter like completed ones.
    s.tell(t, i % 2 ? TrialStatus::kCulled : TrialStatus::kCompleted, 0.5);
  }
  EXPECT_EQ(s.population().size(), 10u);
  EXPECT_EQ(s.ask(14).origin, "mutation");
}

TEST(RegularizedEvolution, WithTrialsAtOnceRandomTrialsGoOnWhileTheFirstOnesRun) {
  // P = 6, three trials at once: trial 6 is asked when only four have finished. Mutation waits
  // for six scored members (the original's rule); before, trial 6 was mutated from four.
  MobileNetV3Space space;
  RegularizedEvolution s(space, options(6, 3, 0.05, 5));
  std::vector<TrialProposal> running;
  for (int i = 0; i < 3; ++i) running.push_back(s.ask(i));
  int next = 3;
  std::vector<std::string> origins;
  while (next < 12) {
    s.tell(running.front(), TrialStatus::kCompleted, fake_metric(running.front().arch));
    running.erase(running.begin());
    TrialProposal t = s.ask(next++);
    origins.push_back(t.origin);
    running.push_back(t);
  }
  // Trials 3..8 are asked with 1..6 members: random until the sixth member is in (trial 8).
  EXPECT_EQ(origins, (std::vector<std::string>{"random", "random", "random", "random", "random",
                                               "mutation", "mutation", "mutation", "mutation"}));
}

TEST(RegularizedEvolution, PopulationHoldsAtMostMaxPopulationMembers) {
  MobileNetV3Space space;
  RegularizedEvolution s(space, options(4, 2));
  for (int i = 0; i < 9; ++i) {
    TrialProposal t = s.ask(i);
    s.tell(t, TrialStatus::kCompleted, fake_metric(t.arch));
    EXPECT_EQ(s.population().size(), std::min<std::size_t>(i + 1, 4u));
  }
  EXPECT_EQ(population_ids(s), (std::vector<int>{5, 6, 7, 8}));
}

TEST(RegularizedEvolution, OldestLeavesFirstWhateverItsMetric) {
  MobileNetV3Space space;
  RegularizedEvolution s(space, options(4, 3));
  std::vector<TrialProposal> t;
  for (int i = 0; i < 8; ++i) t.push_back(s.ask(i));
  s.tell(t[0], TrialStatus::kCompleted, 100.0);
  for (int i = 1; i < 4; ++i) s.tell(t[i], TrialStatus::kCompleted, i);
  s.tell(t[4], TrialStatus::kFailed, std::nullopt);  // never enters
  EXPECT_EQ(population_ids(s), (std::vector<int>{0, 1, 2, 3}));
  s.tell(t[6], TrialStatus::kCompleted, 0.5);  // tell order, not id order
  EXPECT_EQ(population_ids(s), (std::vector<int>{1, 2, 3, 6}));
  const int parent = s.ask(8).parent.value();
  EXPECT_TRUE(parent == 3 || parent == 2) << parent;  // the best, 0, aged out
  s.tell(t[5], TrialStatus::kCulled, 0.25);
  s.tell(t[7], TrialStatus::kInterrupted, std::nullopt);  // never enters
  EXPECT_EQ(population_ids(s), (std::vector<int>{2, 3, 6, 5}));
  EXPECT_EQ(s.population().back().metric, 0.25);
}

TEST(RegularizedEvolution, FailedTrialsNeverEnterThePopulation) {
  MobileNetV3Space space;
  RegularizedEvolution s(space, options(5, 2));
  for (int i = 0; i < 20; ++i) {
    TrialProposal t = s.ask(i);
    s.tell(t, i % 2 ? TrialStatus::kFailed : TrialStatus::kCompleted, fake_metric(t.arch));
  }
  for (int id : population_ids(s)) EXPECT_EQ(id % 2, 0) << id;
  EXPECT_EQ(population_ids(s), (std::vector<int>{10, 12, 14, 16, 18}));
}

// Parent rank (0 = worst) frequencies over many tournaments in a population of `population`
// members whose metrics are a shuffle of 0..population-1.
std::vector<double> parent_rank_frequencies(int population, int sample, int tournaments) {
  MobileNetV3Space space;
  RegularizedEvolution s(space, options(population, sample, 0.05, 11));
  std::map<int, int> rank_of;  // trial id -> rank
  for (int i = 0; i < population; ++i) {
    TrialProposal t = s.ask(i);
    const int rank = (i * 3) % population;  // population is not a multiple of 3
    rank_of[i] = rank;
    s.tell(t, TrialStatus::kCompleted, rank);
  }
  std::vector<double> freq(population, 0.0);
  // Children stay running, so the population does not change between tournaments.
  for (int i = 0; i < tournaments; ++i) {
    TrialProposal t = s.ask(population + i);
    freq[rank_of.at(t.parent.value())] += 1.0 / tournaments;
  }
  return freq;
}

TEST(RegularizedEvolution, TournamentDrawsSampleSizeDistinctMembers) {
  // With 7 distinct members out of 10, the parent is rank k with probability
  // C(k, 6) / C(10, 7), and never one of the 6 worst.
  const int n = 4000;
  std::vector<double> f = parent_rank_frequencies(10, 7, n);
  for (int k = 0; k < 6; ++k) EXPECT_EQ(f[k], 0.0) << "rank " << k;
  const double expected[] = {1 / 120.0, 7 / 120.0, 28 / 120.0, 84 / 120.0};
  for (int k = 6; k < 10; ++k) {
    const double p = expected[k - 6];
    EXPECT_NEAR(f[k], p, 4 * std::sqrt(p * (1 - p) / n) + 1e-9) << "rank " << k;
  }
}

TEST(RegularizedEvolution, TournamentOfOneIsUniformAndOfAllButOneMissesTheBestOnceInP) {
  const int n = 4000;
  std::vector<double> one = parent_rank_frequencies(10, 1, n);
  for (int k = 0; k < 10; ++k) EXPECT_NEAR(one[k], 0.1, 4 * std::sqrt(0.09 / n)) << k;
  // 9 of 10 drawn: the best is left out with probability 1/10, and then the second wins.
  std::vector<double> most = parent_rank_frequencies(10, 9, n);
  EXPECT_NEAR(most[9], 0.9, 4 * std::sqrt(0.09 / n));
  EXPECT_NEAR(most[8], 0.1, 4 * std::sqrt(0.09 / n));
  for (int k = 0; k < 8; ++k) EXPECT_EQ(most[k], 0.0) << k;
}

// Accumulates, over the mutation children of a search, how many labels differ from the parent
// and how many were expected to: a redraw fires with probability p and then lands on a
// different value with probability 1 - (copies of the parent's value) / (candidates).
struct MutationTally {
  double observed = 0, expected = 0, variance = 0;
  void add(const MobileNetV3Space& space, const std::string& label, int parent, int child,
           double p) {
    const auto& c = space.choice(label).candidates;
    const double same = std::count(c.begin(), c.end(), parent) / double(c.size());
    const double q = p * (1 - same);
    observed += parent != child;
    expected += q;
    variance += q * (1 - q);
  }
};

MutationTally tally_mutations(double p, bool only_dropped_layers) {
  MobileNetV3Space space;
  RegularizedEvolution s(space, options(20, 5, p, 21));
  std::map<int, Architecture> arch;
  MutationTally tally;
  for (int i = 0; i < 1500; ++i) {
    TrialProposal t = s.ask(i);
    arch[i] = t.arch;
    if (t.origin == "mutation") {
      const Architecture& parent = arch.at(t.parent.value());
      for (const auto& c : space.choices()) {
        if (only_dropped_layers) {
          // Layers beyond the child's depth cannot change its key, so dedup (which rejects
          // children equal to evaluated keys) does not bias their redraws.
          const auto u = c.label.find('_');
          const std::string kind = c.label.substr(0, u);
          const int layer = std::stoi(c.label.substr(u + 1));
          if (kind == "width" || kind == "depth" || layer < 2) continue;
          const int stage = (layer - 2) / MobileNetV3Space::kLayersPerStage + 1;
          const int j = (layer - 2) % MobileNetV3Space::kLayersPerStage;
          if (j < t.arch.at("depth_" + std::to_string(stage))) continue;
        }
        tally.add(space, c.label, parent.at(c.label), t.arch.at(c.label), p);
      }
    }
    // A flat landscape: selection would drift toward deep stages and leave few dropped layers.
    s.tell(t, TrialStatus::kCompleted, 1.0);
  }
  return tally;
}

TEST(RegularizedEvolution, MutationRateMatchesMutationProb) {
  // At 0.25 a child almost never equals an evaluated key, so every label counts; at the default
  // 0.05 many children equal their parent and are re-mutated, so only labels that cannot change
  // the key are unbiased.
  for (auto [p, dropped_only] : {std::pair{0.25, false}, std::pair{0.05, true}}) {
    MutationTally t = tally_mutations(p, dropped_only);
    ASSERT_GT(t.expected, 500) << p;
    EXPECT_NEAR(t.observed, t.expected, 4 * std::sqrt(t.variance)) << "mutation_prob " << p;
  }
}

TEST(RegularizedEvolution, DuplicateChildIsMutatedAgainFromTheSameParent) {
  // Two keys (stem kernel 3 or 5): the first child usually repeats its parent's key.
  // Three keys (stem kernel 3, 5 or 7): the first child usually repeats its parent's key.
  SearchSpaceOptions so;
  so.width_multipliers = {1.0};
  so.expand_ratios = {1};
  so.kernel_sizes = {3};
  so.stem_kernel_sizes = {3, 5, 7};
  so.depths = {1};
  so.se_stages = {};
  MobileNetV3Space space(so);
  RegularizedEvolution s(space, options(2, 1, 0.5));
  TrialProposal a = s.ask(0), b = s.ask(1);
  s.tell(a, TrialStatus::kCompleted, 1.0);
  s.tell(b, TrialStatus::kCompleted, 2.0);
  TrialProposal child = s.ask(2);
  EXPECT_EQ(child.origin, "mutation");
  EXPECT_TRUE(child.parent == 0 || child.parent == 1);
  EXPECT_NE(child.arch_key, a.arch_key);
  EXPECT_NE(child.arch_key, b.arch_key);
}

TEST(RegularizedEvolution, ChildThatCannotChangeFallsBackToRandom) {
  MobileNetV3Space space;
  RegularizedEvolution s(space, options(3, 1, 0.0));  // every child equals its parent
  std::set<std::string> keys;
  for (int i = 0; i < 3; ++i) {
    TrialProposal t = s.ask(i);
    keys.insert(t.arch_key);
    s.tell(t, TrialStatus::kCompleted, 1.0);
  }
  TrialProposal t = s.ask(3);
  EXPECT_EQ(t.origin, "random");
  EXPECT_EQ(t.parent, std::nullopt);
  EXPECT_EQ(keys.count(t.arch_key), 0u);
}

TEST(RegularizedEvolution, RandomPhaseDoesNotDependOnAskAndTellOrder) {
  MobileNetV3Space space;
  RegularizedEvolution in_order(space, options(12, 3));
  RegularizedEvolution reversed(space, options(12, 3));
  std::map<int, Architecture> a, b;
  for (int i = 0; i < 12; ++i) {
    TrialProposal t = in_order.ask(i);
    a[i] = t.arch;
    in_order.tell(t, TrialStatus::kCompleted, fake_metric(t.arch));
  }
  std::vector<TrialProposal> running;
  for (int i = 11; i >= 0; --i) running.push_back(reversed.ask(i));
  for (const auto& t : running) b[t.id] = t.arch;
  EXPECT_EQ(a, b);
}

TEST(RegularizedEvolution, TellAcceptsTrialsItNeverAsked) {
  // Resume: finished trials are told in completion order before anything is asked.
  MobileNetV3Space space;
  RegularizedEvolution s(space, options(4, 2));
  std::set<std::string> told;
  for (int i = 0; i < 6; ++i) {
    TrialProposal t = external_trial(space, i, 100 + i);
    told.insert(t.arch_key);
    s.tell(t, TrialStatus::kCompleted, fake_metric(t.arch));
  }
  EXPECT_EQ(population_ids(s), (std::vector<int>{2, 3, 4, 5}));
  TrialProposal interrupted = external_trial(space, 6, 200);
  s.note_running(interrupted);
  TrialProposal next = s.ask(7);
  EXPECT_EQ(next.origin, "mutation");
  EXPECT_GE(next.parent.value(), 2);
  EXPECT_EQ(told.count(next.arch_key), 0u);
  EXPECT_NE(next.arch_key, interrupted.arch_key);
  s.tell(interrupted, TrialStatus::kCompleted, 0.0);
  EXPECT_EQ(population_ids(s), (std::vector<int>{3, 4, 5, 6}));
}

TEST(RegularizedEvolution, RejectsBadOptionsQuotingTheValue) {
  auto message = [](EvolutionOptions o) -> std::string {
    try {
      RegularizedEvolution s(MobileNetV3Space(), o);
    } catch (const UsageError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message(options(0, 1)).find("got 0"), std::string::npos);
  EXPECT_NE(message(options(30, 0)).find("got 0"), std::string::npos);
  EXPECT_NE(message(options(30, 31)).find("got 31"), std::string::npos);
  EXPECT_NE(message(options(30, 30)).find("smaller than the max population"), std::string::npos);
  EXPECT_NE(message(options(30, 7, 1.5)).find("got 1.5"), std::string::npos);
  EXPECT_NE(message(options(30, 7, std::nan(""))).find("got nan"), std::string::npos);
  EvolutionOptions o = options(30, 7);
  o.max_dedup_retries = -1;
  EXPECT_NE(message(o).find("got -1"), std::string::npos);
  EXPECT_EQ(message(options(30, 7)), "");
  EXPECT_EQ(message(options(2, 1, 1.0)), "");
}

}  // namespace
}  // namespace nas

namespace nas {
namespace {

/// Trials 0..2 told completed: A has the best metric but is dominated by B and C on accuracy and
/// latency; B dominates both others.
RegularizedEvolution hand_population(Objective objective) {
  MobileNetV3Space space;
  EvolutionOptions o{3, 2, 0.05, 21, 50};
  o.objective = objective;
  RegularizedEvolution s(space, o);
  const std::vector<std::pair<double, Objectives>> members{
      {99.0, {50, 1.0}}, {1.0, {90, 0.1}}, {2.0, {80, 0.2}}};
  for (int i = 0; i < 3; ++i) {
    TrialProposal t = external_trial(space, i, 100 + static_cast<std::uint64_t>(i));
    s.tell(t, TrialStatus::kCompleted, members[static_cast<std::size_t>(i)].first,
           members[static_cast<std::size_t>(i)].second);
  }
  return s;
}

TEST(RegularizedEvolution, AParetoTournamentPicksByNonDominatedRankNotByMetric) {
  RegularizedEvolution scalar = hand_population(Objective::kScalar);
  RegularizedEvolution pareto = hand_population(Objective::kPareto);
  std::map<int, int> scalar_parents, pareto_parents;
  for (int id = 3; id < 203; ++id) {
    ++scalar_parents[*scalar.ask(id).parent];
    ++pareto_parents[*pareto.ask(id).parent];
  }
  // Samples of 2 out of 3: the scalar tournament picks A whenever it is drawn (2 in 3).
  EXPECT_GT(scalar_parents[0], 100);
  // Under pareto A never wins (B or C is always drawn with it and dominates it); B wins whenever
  // drawn, and C only in the sample {A, C}.
  EXPECT_EQ(pareto_parents.count(0), 0u);
  EXPECT_GT(pareto_parents[1], pareto_parents[2]);
  EXPECT_GT(pareto_parents[2], 0);
}

TEST(RegularizedEvolution, AParetoSearchNeedsAccuracyAndLatencyToRank) {
  MobileNetV3Space space;
  EvolutionOptions o{3, 2, 0.05, 21, 50};
  o.objective = Objective::kPareto;
  RegularizedEvolution s(space, o);
  EXPECT_THROW(s.tell(external_trial(space, 0, 1), TrialStatus::kCompleted, 1.0), RuntimeFailure);
  // A failed or rejected trial has nothing to rank, and needs nothing.
  s.tell(external_trial(space, 1, 2), TrialStatus::kRejected, std::nullopt);
  EXPECT_TRUE(s.population().empty());
}

}  // namespace
}  // namespace nas

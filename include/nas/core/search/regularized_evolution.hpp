#pragma once
// Regularized evolution (Real et al., "aging evolution"), with the semantics of NNI 2.7's
// RegularizedEvolution as the original used it, plus a seed and de-duplication:
//
// - Trials are uniform random architectures until the population holds max_population scored
//   members (NNI 2.7's start): an initial trial that fails is replaced by another random one, and
//   with several trials at once, random trials go on while the first ones are still running.
// - Then each trial runs a tournament: sample_size (< max_population) distinct members drawn
//   uniformly from the population, the one with the best (highest) metric is the parent (the
//   earliest drawn wins a tie; under --objective pareto the best non-dominated rank among the
//   sample, ties again to the earliest drawn), and the child re-draws each of the space's draws (66
//   choices, or NNI 2.7's 54 labels) with probability mutation_prob.
// - The population is the newest max_population trials told kCompleted or kCulled, in tell
//   order; the oldest leaves first (aging), whatever its metric. Culled trials enter with their
//   partial metric, as in the original; failed trials never enter.
// - De-duplication (NNI had none): a child whose canonical key was already evaluated or is
//   running is mutated again from the same parent, up to max_dedup_retries more times, and then
//   replaced by a fresh random architecture (origin "random", no parent), which itself is
//   re-drawn up to max_dedup_retries times while its key is taken. Only a nearly exhausted space
//   can still yield a duplicate.
// - Trial n draws everything (sampling, tournament, mutation) from rng_for(seed, n).
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "nas/core/search/search_space.hpp"
#include "nas/core/search/strategy.hpp"

namespace nas {

struct EvolutionOptions {
  int max_population = 30;
  int sample_size = 7;
  double mutation_prob = 0.05;
  std::uint64_t seed = 0;
  int max_dedup_retries = 50;
  /// Known architectures to try first (--initial-arch), before the random ones.
  std::vector<Architecture> initial;
  /// kPareto: the tournament picks by non-dominated rank within the sample (accuracy up, latency
  /// down), as multi-objective regularized evolution (MOREA) does; ties go to the earliest drawn,
  /// a uniformly random choice among the sample's best rank.
  Objective objective = Objective::kScalar;
};

/// Throws UsageError quoting the bad value: max_population < 1, sample_size outside
/// [1, max_population), mutation_prob outside [0, 1], max_dedup_retries < 0.
void validate(const EvolutionOptions& o);

class RegularizedEvolution : public Strategy {
 public:
  struct Member {
    int id = 0;
    Architecture arch;
    double metric = 0;
    Objectives objectives;  // read under Objective::kPareto only
  };

  /// Throws UsageError for invalid options (see validate).
  RegularizedEvolution(const SearchSpace& space, EvolutionOptions options);

  TrialProposal ask(int trial_id) override;
  void tell(const TrialProposal& trial, TrialStatus status, std::optional<double> metric,
            std::optional<Objectives> objectives = std::nullopt) override;
  void note_running(const TrialProposal& trial) override;
  std::string name() const override { return "evolution"; }

  /// Oldest first; at most max_population members.
  const std::deque<Member>& population() const { return population_; }
  const EvolutionOptions& options() const { return options_; }

 private:
  /// Index into population_ of the winner of a tournament drawn from `rng`.
  std::size_t tournament(Rng& rng) const;

  std::shared_ptr<const SearchSpace> space_;
  EvolutionOptions options_;
  std::deque<Member> population_;
  KeyLedger ledger_;
};

}  // namespace nas

#include "nas/core/search/regularized_evolution.hpp"

#include <cmath>
#include <numeric>
#include <sstream>
#include <utility>
#include <vector>

#include "nas/core/common/error.hpp"

namespace nas {
void validate(const EvolutionOptions& o) {
  if (o.max_population < 1) {
    throw UsageError("max population must be at least 1, got " + std::to_string(o.max_population));
  }
  // NNI asserts sample_size < population: a tournament of everyone always picks the best.
  if (o.sample_size < 1 || o.sample_size >= o.max_population) {
    throw UsageError("sample size must be at least 1 and smaller than the max population (" +
                     std::to_string(o.max_population) + "), got " + std::to_string(o.sample_size));
  }
  if (!(o.mutation_prob >= 0.0 && o.mutation_prob <= 1.0)) {  // also rejects NaN
    throw UsageError("mutation probability must be in [0, 1], got " +
                     quote_number(o.mutation_prob));
  }
  if (o.max_dedup_retries < 0) {
    throw UsageError("max dedup retries must be at least 0, got " +
                     std::to_string(o.max_dedup_retries));
  }
}

RegularizedEvolution::RegularizedEvolution(const SearchSpace& space, EvolutionOptions options)
    : space_(space.clone()), options_(options) {
  validate(options_);
}

std::size_t RegularizedEvolution::tournament(Rng& rng) const {
  // Partial Fisher-Yates: the first sample_size slots end up a uniform draw without replacement.
  std::vector<std::size_t> order(population_.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  const std::size_t k = static_cast<std::size_t>(options_.sample_size);
  std::size_t best = order.size();
  for (std::size_t i = 0; i < k; ++i) {
    std::swap(order[i], order[i + uniform_index(rng, order.size() - i)]);
    if (best == order.size() || population_[order[i]].metric > population_[best].metric) {
      best = order[i];
    }
  }
  if (options_.objective == Objective::kScalar) return best;
  // The same draws, ranked on both objectives: the sample's best rank, the earliest drawn first.
  std::vector<Objectives> sample;
  for (std::size_t i = 0; i < k; ++i) sample.push_back(population_[order[i]].objectives);
  const std::vector<int> rank = nondominated_ranks(sample);
  std::size_t pick = 0;
  for (std::size_t i = 1; i < k; ++i) {
    if (rank[i] < rank[pick]) pick = i;
  }
  return order[pick];
}

TrialProposal RegularizedEvolution::ask(int trial_id) {
  if (trial_id < 0) {
    throw RuntimeFailure("strategy: trial ids start at 0, got " + std::to_string(trial_id));
  }
  Rng rng = rng_for(options_.seed, static_cast<std::uint64_t>(trial_id));
  TrialProposal p;
  // As NNI 2.7: random until the population holds max_population scored members, so a failed
  // (or, with trials at once, a still running) initial trial is replaced by another random one.
  const bool initial = population_.size() < static_cast<std::size_t>(options_.max_population);
  if (initial) {
    const auto known = propose_initial(trial_id, options_.initial, *space_, ledger_);
    p = known ? *known
              : propose_random(trial_id, *space_, rng, ledger_, options_.max_dedup_retries);
  } else {
    const Member& parent = population_[tournament(rng)];
    p.id = trial_id;
    p.origin = "mutation";
    p.parent = parent.id;
    bool fresh = false;
    for (int attempt = 0; attempt <= options_.max_dedup_retries && !fresh; ++attempt) {
      p.arch = space_->mutate(parent.arch, rng, options_.mutation_prob);
      p.arch_key = space_->canonical_key(p.arch);
      fresh = !ledger_.taken(p.arch_key);
    }
    // The parent's neighbourhood is used up (or mutation_prob is too small to leave it):
    // exploring elsewhere beats training the same network twice.
    if (!fresh) p = propose_random(trial_id, *space_, rng, ledger_, options_.max_dedup_retries);
  }
  add_nni27_form(p, *space_);
  ledger_.start(trial_id, p.arch_key);
  return p;
}

void RegularizedEvolution::tell(const TrialProposal& trial, TrialStatus status,
                                std::optional<double> metric,
                                std::optional<Objectives> objectives) {
  const bool enters = status == TrialStatus::kCompleted || status == TrialStatus::kCulled;
  if (enters && options_.objective == Objective::kPareto && !objectives) {
    throw RuntimeFailure("strategy: trial " + std::to_string(trial.id) +
                         " has no accuracy and latency to rank in a Pareto search");
  }
  ledger_.finish(trial.id, space_->canonical_key(trial.arch), status, metric);
  if (!enters) return;
  population_.push_back({trial.id, trial.arch, *metric, objectives.value_or(Objectives{})});
  if (population_.size() > static_cast<std::size_t>(options_.max_population)) {
    population_.pop_front();
  }
}

void RegularizedEvolution::note_running(const TrialProposal& trial) {
  ledger_.start(trial.id, space_->canonical_key(trial.arch));
}

}  // namespace nas

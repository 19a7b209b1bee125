#include "core/search/random_search.hpp"

#include <utility>

#include "nas/core/common/error.hpp"

namespace nas {

RandomSearch::RandomSearch(const SearchSpace& space, std::uint64_t seed, int max_dedup_retries,
                           std::vector<Architecture> initial)
    : space_(space.clone()),
      seed_(seed),
      initial_(std::move(initial)),
      max_dedup_retries_(max_dedup_retries) {
  if (max_dedup_retries_ < 0) {
    throw UsageError("max dedup retries must be at least 0, got " +
                     std::to_string(max_dedup_retries_));
  }
}

TrialProposal RandomSearch::ask(int trial_id) {
  if (trial_id < 0) {
    throw RuntimeFailure("strategy: trial ids start at 0, got " + std::to_string(trial_id));
  }
  Rng rng = rng_for(seed_, static_cast<std::uint64_t>(trial_id));
  const auto known = propose_initial(trial_id, initial_, *space_, ledger_);
  TrialProposal p =
      known ? *known : propose_random(trial_id, *space_, rng, ledger_, max_dedup_retries_);
  add_nni27_form(p, *space_);
  ledger_.start(trial_id, p.arch_key);
  return p;
}

void RandomSearch::tell(const TrialProposal& trial, TrialStatus status,
                        std::optional<double> metric, std::optional<Objectives> /*objectives*/) {
  ledger_.finish(trial.id, space_->canonical_key(trial.arch), status, metric);
}

void RandomSearch::note_running(const TrialProposal& trial) {
  ledger_.start(trial.id, space_->canonical_key(trial.arch));
}

}  // namespace nas

#pragma once
// The baseline strategy: every trial a uniform random architecture, drawn from
// rng_for(seed, trial id) and re-drawn (up to max_dedup_retries times) while its canonical key
// was already evaluated or is running, as RegularizedEvolution does for its random trials.
#include <cstdint>
#include <optional>
#include <string>

#include "nas/core/search/search_space.hpp"
#include "nas/core/search/strategy.hpp"

namespace nas {

class RandomSearch : public Strategy {
 public:
  /// Throws UsageError when max_dedup_retries < 0.
  RandomSearch(const SearchSpace& space, std::uint64_t seed, int max_dedup_retries = 50,
               std::vector<Architecture> initial = {});

  TrialProposal ask(int trial_id) override;
  void tell(const TrialProposal& trial, TrialStatus status, std::optional<double> metric,
            std::optional<Objectives> objectives = std::nullopt) override;
  void note_running(const TrialProposal& trial) override;
  std::string name() const override { return "random"; }

 private:
  std::shared_ptr<const SearchSpace> space_;
  std::uint64_t seed_;
  std::vector<Architecture> initial_;  // tried first
  int max_dedup_retries_;
  KeyLedger ledger_;
};

}  // namespace nas

#pragma once
// Runs one trial of a search on a slot: builds the network, trains it, asks the cull policy after
// every epoch, and writes trial.json through the store after every epoch, so a crash loses at
// most the epoch in progress.
#include <atomic>

#include "nas/cull_policy.hpp"
#include "nas/data.hpp"
#include "nas/executor.hpp"
#include "nas/experiment_store.hpp"
#include "nas/trainer.hpp"

namespace nas {

struct TrialContext {
  const SharedData& data;
  const ExperimentStore& store;
  CullPolicy& cull;
  TrainerOptions train;  // epochs, recipe, latency; the seed is the search seed
  const std::atomic<bool>* cancel = nullptr;
};

/// Never throws for training failures (they are recorded); may throw RuntimeFailure when the
/// store cannot write.
TrialRecord run_trial(const TrialProposal& proposal, const TrialSlot& slot,
                      const TrialContext& context);

}  // namespace nas

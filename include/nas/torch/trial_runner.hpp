#pragma once
// Runs one trial of a search on a slot: builds the network, trains it, asks the cull policy after
// every epoch, and writes trial.json through the store after every epoch, so a crash loses at
// most the epoch in progress.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include "nas/core/experiment/trial_writer.hpp"
#include "nas/core/search/cull_policy.hpp"
#include "nas/core/search/executor.hpp"
#include "nas/core/search/latency_table.hpp"
#include "nas/core/search/search_driver.hpp"
#include "nas/core/search/trial_limits.hpp"
#include "nas/torch/shared_data.hpp"
#include "nas/torch/slot_streams.hpp"
#include "nas/torch/trainer.hpp"

namespace nas {

struct TrialContext {
  const SharedData& data;
  const TrialWriter& store;  // the experiment store, or a worker's stand-in that forwards
  CullPolicy& cull;
  TrainerOptions train;        // epochs, recipe, latency; the seed is the search seed
  const SlotStreams& streams;  // a trial queues all its device work on its slot's stream
  const std::atomic<bool>* cancel = nullptr;
  const SearchObserver* observer = nullptr;  // told of every training batch (on_batch)
  TrialLimits limits;                        // --max-latency is checked here, before training
  /// --latency-table: every latency is its prediction for the trial's network; null: measured.
  std::shared_ptr<const LatencyTable> latency_table = nullptr;
};

/// The training recipe and the data of a search's trials, from its options and seed (the same
/// in one process and on every worker rank).
TrainerOptions trainer_options_for(const SearchOptions& s, std::uint64_t seed);
DataOptions data_options_for(const SearchOptions& s, std::uint64_t seed);

/// Measures the untrained network's latency first (latency_before_ms): over context.limits'
/// --max-latency, the trial is recorded rejected and not trained.
/// Never throws for a trial's own failures (they are recorded, and an out-of-memory failure
/// releases the device's cached memory). Throws DeviceFailure when the device itself failed (the
/// trial is then recorded as interrupted, to be run again on resume), and RuntimeFailure when
/// the store cannot write.
TrialRecord run_trial(const TrialProposal& proposal, const TrialSlot& slot,
                      const TrialContext& context);

}  // namespace nas

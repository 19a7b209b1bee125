#pragma once
// Timing the blocks of a latency table (core/search/latency_table.hpp) on a device, by the
// search's method (eval mode, warm-up, median of repeats, synchronised), and the per-network
// overhead fitted on whole networks.
#include <atomic>
#include <cstdint>
#include <functional>

#include "nas/core/search/latency_table.hpp"
#include "nas/torch/device.hpp"
#include "nas/torch/trainer.hpp"

namespace nas {

struct LatencyMeasureOptions {
  int warmup = 3;                                         // as TrainerOptions' latency_warmup
  double warmup_ms = TrainerOptions{}.latency_warmup_ms;  // the search's; 0: quick, but cold
  int repeats = 10;                                       // as TrainerOptions' latency_repeats
  int calibration_networks = 10;
  std::uint64_t seed = 0;  // the calibration networks' architectures and weights
};

/// ms per image of one block at the table's batch, threads and layout, on `device`.
double time_latency_block(const LatencyBlock& block, const LatencyTableSettings& settings,
                          const torch::Device& device, const LatencyMeasureOptions& options);

struct LatencyBuildHooks {
  /// After every block: how many of how many are in the table.
  std::function<void(std::size_t done, std::size_t total)> on_progress;
  /// Every few seconds and before returning: the table as it stands, to save.
  std::function<void(const LatencyTable&)> save;
  const std::atomic<bool>* cancel = nullptr;
};

/// Measures every block of `blocks` the table lacks (a resumed table keeps what it holds), then
/// fits the overhead on `options.calibration_networks` seeded random networks (each timed whole
/// and block by block, side by side) and marks the table complete. Returns false when cancelled
/// (the table holds what was measured, saved).
bool build_latency_table(LatencyTable& table, const std::vector<LatencyBlock>& blocks,
                         const MobileNetV3Space& space, const torch::Device& device,
                         const LatencyMeasureOptions& options, const LatencyBuildHooks& hooks);

}  // namespace nas

#pragma once
// Follows a running search for the people watching it: which trials run and where they are
// (from the records trials write after every epoch), a compact log line per finished epoch, and
// an ETA from the mean trial time. Thread-safe: trial threads report, the driver reads.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "nas/console/progress_display.hpp"
#include "nas/core/experiment/records.hpp"
#include "nas/core/search/search_driver.hpp"

namespace nas {

/// The time left: trials not yet started at the mean trial time, plus what the running ones
/// still need of it, shared out over the slots. nullopt without a mean (no trial finished yet).
std::optional<double> estimate_eta(std::optional<double> mean_trial_seconds, int not_started,
                                   const std::vector<double>& running_seconds, int slots);

class SearchMonitor {
 public:
  /// `show_hosts`: name each running trial's machine too (a search across MPI ranks).
  /// `batch_size`: images per training batch, for the running trials' images/s.
  SearchMonitor(int epochs, int slots, bool show_hosts = false, int batch_size = 0)
      : epochs_(epochs),
        slots_(std::max(1, slots)),
        show_hosts_(show_hosts),
        batch_size_(batch_size) {}

  /// A trial's record was written. Returns a log line when it holds an epoch not seen before.
  std::optional<std::string> on_record(const TrialRecord& r);
  /// A running trial trained batch `batch` of `batches` in `epoch` (0-based, as the trainer
  /// counts). Shown in its line, so a long first epoch is not silence.
  void on_batch(int trial, int epoch, std::int64_t batch, std::int64_t batches);
  /// A trial finished (any final status): it leaves the running list; its time feeds the ETA.
  void on_finished(const TrialRecord& r);
  /// What to draw now, from the driver's counts.
  SearchProgressView view(const SearchProgress& p) const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Running {
    RunningTrialView view;
    Clock::time_point started;
    int epoch = -1;  // the epoch its batches are counted in
    Clock::time_point epoch_started;
  };
  const int epochs_;
  const int slots_;
  const bool show_hosts_;
  const int batch_size_;
  mutable std::mutex mutex_;
  std::map<int, Running> running_;
  double finished_seconds_ = 0;
  int finished_count_ = 0;
};

}  // namespace nas

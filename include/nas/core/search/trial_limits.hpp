#pragma once
// Hard limits a network must meet to be trained (--max-latency, --max-macs, --max-params): NNI's
// FLOPs and parameter filters, and a latency limit measured on the search's own device. A
// network over a limit is recorded as a rejected trial and never trained; size limits are
// decided from the architecture alone, before any device work, latency from one measurement of
// the untrained network.
#include <cstdint>
#include <optional>
#include <string>

#include "nas/core/experiment/records.hpp"
#include "nas/core/search/search_options.hpp"
#include "nas/core/search/strategy.hpp"

namespace nas {

struct TrialLimits {
  std::optional<double> max_latency_ms;  // per image, the pre-training median
  std::optional<std::int64_t> max_macs;
  std::optional<std::int64_t> max_params;

  bool any() const { return max_latency_ms || max_macs || max_params; }
};

TrialLimits trial_limits(const SearchOptions& o);

/// The limit a network of this size breaks ("max_params" or "max_macs"), if any.
std::optional<std::string> size_rejection(const TrialLimits& limits, std::int64_t params,
                                          std::int64_t macs);
/// Whether an untrained latency breaks --max-latency (a latency equal to the limit is within).
bool latency_rejected(const TrialLimits& limits, double latency_ms);

/// Marks `r` rejected by `limit`: no metric, ended now.
void mark_rejected(TrialRecord& r, const std::string& limit);

/// The record of proposal `p` when its size breaks a limit (params and MACs filled in), or none
/// when it is within them or cannot be planned (its trial then fails where it runs, saying why).
std::optional<TrialRecord> reject_by_size(const TrialProposal& p, const TrialLimits& limits,
                                          const DatasetInfo& data,
                                          const std::string& experiment_id);

/// "0.35 ms per image over --max-latency 0.2 ms": why trial `r` was rejected.
std::string rejection_reason(const TrialRecord& r, const TrialLimits& limits);

/// Counts rejections in a row, and how close the rejected networks came to each limit, so a
/// search whose limits the space can hardly meet stops and says by how much.
class RejectionStreak {
 public:
  explicit RejectionStreak(int limit = 200) : limit_(limit) {}
  /// A trial ended (any status but running): a rejection extends the streak, a trial that
  /// trained (completed, culled or failed) ends it.
  void observe(const TrialRecord& r);
  bool exhausted() const { return in_a_row_ >= limit_; }
  int in_a_row() const { return in_a_row_; }
  /// "the last 200 proposals all broke the limits (--max-latency 0.2 ms: the fastest of them
  /// took 0.35 ms per image); ...": the closest values are the streak's own.
  std::string message(const TrialLimits& limits) const;

 private:
  int limit_;
  int in_a_row_ = 0;
  std::optional<double> fastest_ms_;
  std::optional<std::int64_t> fewest_macs_;
  std::optional<std::int64_t> fewest_params_;
};

}  // namespace nas

#include "nas/core/search/trial_limits.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "nas/core/common/error.hpp"
#include "nas/core/common/text_table.hpp"
#include "nas/core/search/network_plan.hpp"

namespace nas {
namespace {

// Four significant digits: what a timing can tell apart.
std::string ms(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g ms", v);
  return buf;
}

template <typename T>
void keep_min(std::optional<T>& slot, T v) {
  if (!slot || v < *slot) slot = v;
}

}  // namespace

TrialLimits trial_limits(const SearchOptions& o) {
  return {o.max_latency_ms, o.max_macs, o.max_params};
}

std::optional<std::string> size_rejection(const TrialLimits& limits, std::int64_t params,
                                          std::int64_t macs) {
  if (limits.max_params && params > *limits.max_params) return "max_params";
  if (limits.max_macs && macs > *limits.max_macs) return "max_macs";
  return std::nullopt;
}

bool latency_rejected(const TrialLimits& limits, double latency_ms) {
  return limits.max_latency_ms && latency_ms > *limits.max_latency_ms;
}

void mark_rejected(TrialRecord& r, const std::string& limit) {
  r.status = TrialStatus::kRejected;
  r.rejected_by = limit;
  r.metric.reset();
  r.ended = now_iso8601();
}

std::optional<TrialRecord> reject_by_size(const TrialProposal& p, const TrialLimits& limits,
                                          const DatasetInfo& data,
                                          const std::string& experiment_id) {
  if (!limits.max_macs && !limits.max_params) return std::nullopt;
  if (data.shape[0] <= 0 || data.classes <= 0) return std::nullopt;
  TrialRecord r = start_record(p, experiment_id);
  try {
    const NetworkPlan plan =
        plan_network(p.arch, {data.shape[0], data.shape[1], data.shape[2]}, data.classes);
    r.params = count_params(plan);
    r.macs = count_macs(plan);
  } catch (const Error&) {
    return std::nullopt;
  }
  const auto limit = size_rejection(limits, *r.params, *r.macs);
  if (!limit) return std::nullopt;
  mark_rejected(r, *limit);
  r.seconds = 0.0;
  return r;
}

std::string rejection_reason(const TrialRecord& r, const TrialLimits& limits) {
  const std::string by = r.rejected_by.value_or("");
  if (by == "max_latency" && r.latency_before_ms && limits.max_latency_ms) {
    return ms(*r.latency_before_ms) + " per image over --max-latency " + ms(*limits.max_latency_ms);
  }
  if (by == "max_macs" && limits.max_macs) {
    return human_count(r.macs) + " MACs over --max-macs " + human_count(*limits.max_macs);
  }
  if (by == "max_params" && limits.max_params) {
    return human_count(r.params) + " params over --max-params " + human_count(*limits.max_params);
  }
  return "over a limit (" + (by.empty() ? std::string("unknown") : by) + ")";
}

void RejectionStreak::observe(const TrialRecord& r) {
  if (r.status == TrialStatus::kRejected) {
    ++in_a_row_;
    if (r.latency_before_ms) keep_min(fastest_ms_, *r.latency_before_ms);
    if (r.macs) keep_min(fewest_macs_, *r.macs);
    if (r.params) keep_min(fewest_params_, *r.params);
  } else if (is_finished(r.status)) {
    in_a_row_ = 0;
    fastest_ms_.reset();
    fewest_macs_.reset();
    fewest_params_.reset();
  }
}

std::string RejectionStreak::message(const TrialLimits& limits) const {
  std::vector<std::string> parts;
  if (limits.max_latency_ms) {
    parts.push_back("--max-latency " + ms(*limits.max_latency_ms) +
                    (fastest_ms_ ? ": the fastest of them took " + ms(*fastest_ms_) + " per image"
                                 : std::string(": none was measured")));
  }
  if (limits.max_macs && fewest_macs_) {
    parts.push_back("--max-macs " + human_count(*limits.max_macs) + ": the smallest of them had " +
                    human_count(*fewest_macs_) + " MACs");
  }
  if (limits.max_params && fewest_params_) {
    parts.push_back("--max-params " + human_count(*limits.max_params) +
                    ": the smallest of them had " + human_count(*fewest_params_) + " params");
  }
  std::string out = "the last " + std::to_string(in_a_row_) + " proposals all broke the limits (";
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "; " : "") + parts[i];
  // The limits are part of the experiment: resuming it would meet them again.
  return out + "); start a new search with a higher limit (this experiment keeps its own)";
}

}  // namespace nas

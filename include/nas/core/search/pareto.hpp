#pragma once
// Two objectives, accuracy (higher is better) and latency (lower is better), as a Pareto search
// ranks them: dominance, non-dominated sorting (rank 1 is the front), and the hypervolume a front
// covers. One definition for the strategy's tournament, the cull policy, nas-report's front and
// --compare, and the dashboard.
#include <cstddef>
#include <string>
#include <vector>

namespace nas {

/// What a search optimises: the scalar metric (accuracy x latency^-x, or a reward), or both
/// objectives at once (--objective pareto).
enum class Objective { kScalar, kPareto };

/// "scalar" or "pareto"; throws UsageError for anything else.
Objective objective_from_string(const std::string& s);

struct Objectives {
  double accuracy = 0;    // percent, higher is better
  double latency_ms = 0;  // per image, lower is better
};

/// `a` is at least as good as `b` in both objectives and better in one.
bool dominates(const Objectives& a, const Objectives& b);

/// Each point's non-dominated rank: 1 for points no other dominates, 2 for those only rank-1
/// points dominate, and so on. Equal points share a rank.
std::vector<int> nondominated_ranks(const std::vector<Objectives>& points);

/// Indices of the rank-1 points, by latency ascending (ties by index).
std::vector<std::size_t> front_indices(const std::vector<Objectives>& points);

/// The area that the points dominate inside the box bounded by `reference` (the worst accuracy
/// and latency that count): accuracy in percentage points times latency in ms. Points at or
/// beyond the reference in either objective add nothing.
double hypervolume(const std::vector<Objectives>& points, const Objectives& reference);

}  // namespace nas
